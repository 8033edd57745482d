"""atheris harness for the read_bytes target (see targets.py); started by run.py."""

from harness import main

if __name__ == "__main__":
    main("read_bytes")
