/**
 * Response bodies of the auth endpoints, as JSON Schema for the OpenAPI document (see
 * core/json-schema.ts). Written from the use cases in use-cases/ and the row views
 * they return (publicUser, publicInvitation, publicKey, listMembers, queryAudit).
 */
import { PERMISSIONS } from "../../core/permissions.ts";
import { ROLES } from "../../models/schema.ts";
import {
  arrayOf,
  bool,
  constant,
  dateTime,
  int,
  nullable,
  obj,
  oneOfValues,
  record,
  ref,
  str,
  uuid,
  type JsonSchema,
} from "../../core/json-schema.ts";

const role = ref("Role");

const tokenFields = {
  accessToken: str,
  refreshToken: nullable(str),
  tokenType: constant("Bearer"),
  expiresIn: int,
  sessionId: uuid,
  orgId: nullable(uuid),
};

export const AUTH_SCHEMAS: Record<string, JsonSchema> = {
  Role: oneOfValues(ROLES),
  Permission: oneOfValues(PERMISSIONS),
  User: obj({
    id: uuid,
    email: str,
    emailVerified: bool,
    displayName: nullable(str),
    avatarUrl: nullable(str),
    locale: nullable(str),
    timeZone: nullable(str),
    mfaEnabled: bool,
    hasPassword: bool,
    createdAt: dateTime,
  }),
  OrgMembership: obj({ id: uuid, name: str, role, requireMfa: bool }),
  Me: obj({
    user: ref("User"),
    orgs: arrayOf(ref("OrgMembership")),
    current: obj({
      orgId: nullable(uuid),
      role: nullable(role),
      permissions: arrayOf(ref("Permission")),
      sessionId: uuid,
    }),
  }),
  /** Access token (and a rotated refresh token, or null when another request rotated it a moment ago). */
  TokenResponse: obj(tokenFields),
  /** The account has two-factor authentication: finish at POST /api/auth/login/mfa. */
  MfaChallenge: obj({ mfaRequired: constant(true), challengeToken: str }),
  LoginResponse: { anyOf: [ref("TokenResponse"), ref("MfaChallenge")] },
  Session: obj({
    id: uuid,
    device: str,
    ip: str,
    createdAt: dateTime,
    lastSeenAt: nullable(dateTime),
    expiresAt: dateTime,
    current: bool,
  }),
  OAuthProvider: obj({ id: oneOfValues(["google", "github"]), name: str, startUrl: str }),
  Member: obj({
    userId: uuid,
    email: str,
    displayName: nullable(str),
    avatarUrl: nullable(str),
    role,
    mfaEnabled: bool,
    disabled: bool,
    joinedAt: dateTime,
  }),
  Invitation: obj({
    id: uuid,
    orgId: uuid,
    email: str,
    role,
    expiresAt: dateTime,
    acceptedAt: nullable(dateTime),
    createdAt: dateTime,
  }),
  ApiKey: obj({
    id: uuid,
    name: str,
    prefix: str,
    permissions: arrayOf(ref("Permission")),
    createdBy: nullable(uuid),
    createdAt: dateTime,
    lastUsedAt: nullable(dateTime),
    expiresAt: nullable(dateTime),
    revokedAt: nullable(dateTime),
  }),
  AuditEntry: obj({
    id: int,
    orgId: nullable(uuid),
    actorId: nullable(uuid),
    action: str,
    target: nullable(str),
    outcome: oneOfValues(["success", "failure"]),
    data: nullable(record()),
    ip: nullable(str),
    requestId: nullable(str),
    createdAt: dateTime,
  }),
  MfaEnrolment: obj({ secret: str, otpauthUri: str, qrCodeDataUrl: str }),
};

/** The organisation as createOrg (with the creator's role) and updateOrg answer it. */
export const orgResponse = (withRole: boolean): JsonSchema =>
  obj({ org: obj({ id: uuid, name: str, requireMfa: bool, ...(withRole ? { role: constant("owner") } : {}) }) });
