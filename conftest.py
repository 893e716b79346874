"""The suite's fixtures (tests/fixtures.py) for every test folder: the system tests in tests/ and
each app's own tests/."""

pytest_plugins = ["tests.fixtures"]
