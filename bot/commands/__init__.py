"""One module per `everybody-sells` subcommand: `add_parser(subparsers)` and `run(args, settings)`."""
