from tests.harness.fixtures import alice, alice_app  # noqa: F401  (fixtures)
