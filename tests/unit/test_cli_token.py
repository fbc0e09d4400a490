"""`coach token` prints a token once and a hash that the API's check accepts."""
from click.testing import CliRunner

from service.cli import main
from service.tokens import verify_token


def test_token_command_prints_a_verifiable_hash():
    out = CliRunner().invoke(main, ["token"]).output.splitlines()
    token = out[0].split(": ", 1)[1]
    stored = out[1].split("=", 1)[1]
    assert len(token) >= 32 and stored.startswith("scrypt$")
    assert verify_token(token, stored) and not verify_token(token + "x", stored)
