from exotls.cli import main

main()
