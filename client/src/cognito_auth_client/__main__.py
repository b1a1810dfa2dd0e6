import sys

from cognito_auth_client.cli import main

sys.exit(main(prog="python -m cognito_auth_client"))
