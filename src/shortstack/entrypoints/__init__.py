"""Ways in: the HTTP app, Lambda handlers, consumers, workflow tasks and the CLI."""
