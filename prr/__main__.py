"""Allow `python -m prr` as well as the `prr` console script."""

from prr.cli.main import main

if __name__ == "__main__":
    main()
