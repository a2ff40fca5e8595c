"""The httpx-backed `Fetcher`, one concern per module; `prr.adapters.http_fetch` is its public entry."""
