"""atheris harness for the json target (see targets.py); started by run.py."""

from harness import main

if __name__ == "__main__":
    main("json")
