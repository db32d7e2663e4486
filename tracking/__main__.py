from tracking.cli import main

main()
