"""The static view of the public names that the built-in plugins export.

``oauth2kit/__init__.py`` imports this module under ``TYPE_CHECKING`` only, so that type
checkers and IDEs see ``from oauth2kit import OAuth2ClientCredentialsAuth`` and the like. At
run time those names resolve through the ``extensions`` registry, never through this module:
nothing imports it then. A test keeps it equal to what the built-ins register, so that a
new built-in adds its names here, in its own namespace, and never edits the kernel.
"""

from o2k_builtins.authorization.errors import (
    AccountSelectionRequired,
    AuthorizationResponseError,
    ConsentRequired,
    InteractionRequired,
    InvalidAcrValuesParam,
    InvalidAuthResponse,
    InvalidMaxAgeParam,
    LoginRequired,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingIssuer,
    MissingIssuerParam,
    SessionSelectionRequired,
    UnsupportedResponseTypeParam,
)
from o2k_builtins.authorization.model import (
    AuthorizationRequest,
    AuthorizationResponse,
    RequestUriParameterAuthorizationRequest,
    ResponseTypes,
)
from o2k_builtins.authorization.par import InvalidPushedAuthorizationResponse
from o2k_builtins.authorization.pkce import (
    CodeChallengeMethods,
    InvalidCodeVerifierParam,
    PkceUtils,
    UnsupportedCodeChallengeMethod,
)
from o2k_builtins.authorization.serializer import AuthorizationRequestSerializer
from o2k_builtins.ciba.backchannel_authentication import (
    BackChannelAuthenticationError,
    BackChannelAuthenticationPollingJob,
    BackChannelAuthenticationPoolingJob,
    BackChannelAuthenticationResponse,
    ExpiredLoginHintToken,
    InvalidBackchannelAuthenticationRequestHintParam,
    InvalidBackChannelAuthenticationResponse,
    InvalidBindingMessage,
    InvalidUserCode,
    MissingAuthRequestId,
    MissingUserCode,
    UnknownUserId,
)
from o2k_builtins.client_auth._assertions import (
    BaseClientAssertionAuthenticationMethod,
    InvalidClientAssertionSigningKeyOrAlg,
    MissingClientAssertionAudience,
)
from o2k_builtins.client_auth._mtls import InvalidClientCertificate, InvalidMtlsEndpointAliases
from o2k_builtins.client_auth.client_secret_basic import ClientSecretBasic
from o2k_builtins.client_auth.client_secret_jwt import ClientSecretJwt
from o2k_builtins.client_auth.client_secret_post import ClientSecretPost
from o2k_builtins.client_auth.private_key_jwt import PrivateKeyJwt
from o2k_builtins.client_auth.public_app import PublicApp
from o2k_builtins.client_auth.self_signed_tls_client_auth import SelfSignedTlsClientAuth
from o2k_builtins.client_auth.tls_client_auth import TlsClientAuth
from o2k_builtins.device.device_authorization import (
    DeviceAuthorizationError,
    DeviceAuthorizationPollingJob,
    DeviceAuthorizationPoolingJob,
    DeviceAuthorizationResponse,
    InvalidDeviceAuthorizationResponse,
    MissingDeviceCode,
)
from o2k_builtins.device.polling import (
    AuthorizationPending,
    BaseTokenEndpointPollingJob,
    BaseTokenEndpointPoolingJob,
    ExpiredToken,
    SlowDown,
)
from o2k_builtins.endpoints.discovery import (
    InvalidDiscoveryDocument,
    oauth2_discovery_document_url,
    oidc_discovery_document_url,
    well_known_uri,
)
from o2k_builtins.endpoints.end_session import InvalidEndSessionParam
from o2k_builtins.endpoints.introspection import (
    IntrospectionError,
    UnknownIntrospectionError,
    UnsupportedIntrospectionResponse,
)
from o2k_builtins.endpoints.names import Endpoints
from o2k_builtins.endpoints.registration import (
    ClientRegistration,
    InvalidClientMetadata,
    InvalidRedirectUri,
    InvalidRegistrationMetadata,
    InvalidRegistrationResponse,
    InvalidSoftwareStatement,
    RegistrationError,
    RegistrationNotManageable,
    UnapprovedSoftwareStatement,
    register_client,
)
from o2k_builtins.endpoints.revocation import RevocationError, UnsupportedTokenType
from o2k_builtins.endpoints.userinfo import (
    InvalidUserinfoResponse,
    UnsupportedUserinfoResponse,
    UserinfoError,
)
from o2k_builtins.grants.jwt_bearer import InvalidJwtAssertion
from o2k_builtins.grants.names import GrantTypes
from o2k_builtins.grants.token_exchange import UnknownActorTokenType, UnknownSubjectTokenType
from o2k_builtins.handlers.access_token import NonRenewableTokenError, OAuth2AccessTokenAuth
from o2k_builtins.handlers.authorization_code import OAuth2AuthorizationCodeAuth
from o2k_builtins.handlers.client_credentials import OAuth2ClientCredentialsAuth
from o2k_builtins.handlers.device_code import OAuth2DeviceCodeAuth
from o2k_builtins.handlers.password import OAuth2ResourceOwnerPasswordAuth
from o2k_builtins.oauth2.responses import AccessDenied, InvalidTarget, ServerError
from o2k_builtins.oidc.algorithms import EncryptionAlgs, KeyManagementAlgs, SignatureAlgs
from o2k_builtins.oidc.errors import (
    ExpiredIdToken,
    InvalidIdToken,
    InvalidIdTokenSignature,
    InvalidJarmResponse,
    InvalidJwks,
    InvalidSignedResponse,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAlg,
    MismatchingIdTokenAudience,
    MismatchingIdTokenAzp,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MissingIdToken,
    MissingIdTokenEncryptedResponseAlgParam,
    UnsupportedIdTokenAlg,
)
from o2k_builtins.oidc.id_token import IdToken
from o2k_builtins.oidc.jwks import JwksCache
from o2k_builtins.oidc.request_objects import (
    InvalidRequestObject,
    RequestParameterAuthorizationRequest,
)
from o2k_builtins.oidc.token_validation import (
    InvalidJwtAccessToken,
    InvalidLogoutToken,
    validate_jwt_access_token,
    validate_logout_token,
)
from o2k_builtins.shared_errors import MissingRefreshToken, UnknownTokenType
from o2k_builtins.tokens.serializer import BearerTokenSerializer, InvalidSerializedToken

__all__ = [
    "AccessDenied",
    "AccountSelectionRequired",
    "AuthorizationPending",
    "AuthorizationRequest",
    "AuthorizationRequestSerializer",
    "AuthorizationResponse",
    "AuthorizationResponseError",
    "BackChannelAuthenticationError",
    "BackChannelAuthenticationPollingJob",
    "BackChannelAuthenticationPoolingJob",
    "BackChannelAuthenticationResponse",
    "BaseClientAssertionAuthenticationMethod",
    "BaseTokenEndpointPollingJob",
    "BaseTokenEndpointPoolingJob",
    "BearerTokenSerializer",
    "ClientRegistration",
    "ClientSecretBasic",
    "ClientSecretJwt",
    "ClientSecretPost",
    "CodeChallengeMethods",
    "ConsentRequired",
    "DeviceAuthorizationError",
    "DeviceAuthorizationPollingJob",
    "DeviceAuthorizationPoolingJob",
    "DeviceAuthorizationResponse",
    "EncryptionAlgs",
    "Endpoints",
    "ExpiredIdToken",
    "ExpiredLoginHintToken",
    "ExpiredToken",
    "GrantTypes",
    "IdToken",
    "InteractionRequired",
    "IntrospectionError",
    "InvalidAcrValuesParam",
    "InvalidAuthResponse",
    "InvalidBackChannelAuthenticationResponse",
    "InvalidBackchannelAuthenticationRequestHintParam",
    "InvalidBindingMessage",
    "InvalidClientAssertionSigningKeyOrAlg",
    "InvalidClientCertificate",
    "InvalidClientMetadata",
    "InvalidCodeVerifierParam",
    "InvalidDeviceAuthorizationResponse",
    "InvalidDiscoveryDocument",
    "InvalidEndSessionParam",
    "InvalidIdToken",
    "InvalidIdTokenSignature",
    "InvalidJarmResponse",
    "InvalidJwks",
    "InvalidJwtAccessToken",
    "InvalidJwtAssertion",
    "InvalidLogoutToken",
    "InvalidMaxAgeParam",
    "InvalidMtlsEndpointAliases",
    "InvalidPushedAuthorizationResponse",
    "InvalidRedirectUri",
    "InvalidRegistrationMetadata",
    "InvalidRegistrationResponse",
    "InvalidRequestObject",
    "InvalidSerializedToken",
    "InvalidSignedResponse",
    "InvalidSoftwareStatement",
    "InvalidTarget",
    "InvalidUserCode",
    "InvalidUserinfoResponse",
    "JwksCache",
    "KeyManagementAlgs",
    "LoginRequired",
    "MismatchingIdTokenAcr",
    "MismatchingIdTokenAlg",
    "MismatchingIdTokenAudience",
    "MismatchingIdTokenAzp",
    "MismatchingIdTokenIssuer",
    "MismatchingIdTokenNonce",
    "MismatchingIssuer",
    "MismatchingState",
    "MissingAuthCode",
    "MissingAuthRequestId",
    "MissingClientAssertionAudience",
    "MissingDeviceCode",
    "MissingIdToken",
    "MissingIdTokenEncryptedResponseAlgParam",
    "MissingIssuer",
    "MissingIssuerParam",
    "MissingRefreshToken",
    "MissingUserCode",
    "NonRenewableTokenError",
    "OAuth2AccessTokenAuth",
    "OAuth2AuthorizationCodeAuth",
    "OAuth2ClientCredentialsAuth",
    "OAuth2DeviceCodeAuth",
    "OAuth2ResourceOwnerPasswordAuth",
    "PkceUtils",
    "PrivateKeyJwt",
    "PublicApp",
    "RegistrationError",
    "RegistrationNotManageable",
    "RequestParameterAuthorizationRequest",
    "RequestUriParameterAuthorizationRequest",
    "ResponseTypes",
    "RevocationError",
    "SelfSignedTlsClientAuth",
    "ServerError",
    "SessionSelectionRequired",
    "SignatureAlgs",
    "SlowDown",
    "TlsClientAuth",
    "UnapprovedSoftwareStatement",
    "UnknownActorTokenType",
    "UnknownIntrospectionError",
    "UnknownSubjectTokenType",
    "UnknownTokenType",
    "UnknownUserId",
    "UnsupportedCodeChallengeMethod",
    "UnsupportedIdTokenAlg",
    "UnsupportedIntrospectionResponse",
    "UnsupportedResponseTypeParam",
    "UnsupportedTokenType",
    "UnsupportedUserinfoResponse",
    "UserinfoError",
    "oauth2_discovery_document_url",
    "oidc_discovery_document_url",
    "register_client",
    "validate_jwt_access_token",
    "validate_logout_token",
    "well_known_uri",
]
