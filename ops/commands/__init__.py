"""One module per subcommand: each adds its parser and runs with a Context (ops.context)."""
