"""The two ways API Gateway's Cognito authorizer guards a route: with an id token,
or with an access token carrying the user scope. Deployed, API Gateway checks them;
everywhere, chalicelib.guard checks them again before the view runs."""

from __future__ import annotations

import os

from chalice.app import CognitoUserPoolAuthorizer

from chalicelib.token_verification import USER_SCOPE

# Only API Gateway reads this ARN; `chalice deploy`/`package` set it from the stage.
id_token_authorizer = CognitoUserPoolAuthorizer(
    "CognitoUserPool",
    provider_arns=[
        os.environ.get(
            "COGNITO_USER_POOL_ARN",
            "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_local",
        )
    ],
    header="Authorization",
)
# With scopes, API Gateway admits only access tokens that carry one of them.
access_token_authorizer = id_token_authorizer.with_scopes([USER_SCOPE])
