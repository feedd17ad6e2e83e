"""One module per subcommand, each with `add_parser(commands)` and `run(args, settings)`."""
