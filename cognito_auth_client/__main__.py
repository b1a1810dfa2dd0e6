import sys

from cognito_auth_client.cli import main

sys.exit(main())
