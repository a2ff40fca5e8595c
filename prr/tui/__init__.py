"""The review app: a Textual face on `prr.workflow.review_session.ReviewSession`.

Nothing here decides anything about a review: statuses, verdicts, validation, saving,
signing and committing all come from the workflow layer, so a script can do whatever the
app does. Text from repositories and packs is always shown as text, never as markup."""
