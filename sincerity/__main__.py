from sincerity.cli.main import main

main()
