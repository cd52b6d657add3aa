/**
 * HTTP endpoints of the auth service (mounted under /api). The OAuth redirect endpoints
 * (/api/auth/oauth/:provider and its callback) are served by grant in their own gateway
 * route: see oauth-route.ts.
 */
export const AUTH_ROUTES: Record<string, string> = {
  "POST /auth/signup": "auth.signup",
  "POST /auth/signup/confirm": "auth.confirmSignup",
  "POST /auth/login": "auth.login",
  "POST /auth/login/mfa": "auth.loginMfa",
  "POST /auth/login/oauth": "auth.exchangeCode",
  "POST /auth/refresh": "auth.refresh",
  "POST /auth/logout": "auth.logout",
  "GET /auth/providers": "auth.providers",

  "GET /auth/me": "auth.me",
  "PATCH /auth/me": "auth.updateProfile",
  "POST /auth/password": "auth.changePassword",
  "POST /auth/password/forgot": "auth.forgotPassword",
  "POST /auth/password/reset": "auth.resetPassword",
  "POST /auth/email/verification": "auth.sendVerificationEmail",
  "POST /auth/email/verify": "auth.verifyEmail",

  "GET /auth/sessions": "auth.listSessions",
  "DELETE /auth/sessions/:id": "auth.endSession",

  "GET /auth/orgs": "auth.listOrgs",
  "POST /auth/orgs": "auth.createOrg",
  "POST /auth/orgs/switch": "auth.switchOrg",
  "PATCH /auth/org": "auth.updateOrg",

  "GET /auth/members": "auth.listMembers",
  "PATCH /auth/members/:userId": "auth.changeMemberRole",
  "DELETE /auth/members/:userId": "auth.removeMember",

  "GET /auth/invitations": "auth.listInvitations",
  "POST /auth/invitations": "auth.createInvitation",
  "DELETE /auth/invitations/:id": "auth.revokeInvitation",
  "POST /auth/invitations/accept": "auth.acceptInvitation",

  "POST /auth/mfa/enrol": "auth.enrolMfa",
  "POST /auth/mfa/confirm": "auth.confirmMfa",
  "POST /auth/mfa/disable": "auth.disableMfa",

  "GET /auth/api-keys": "auth.listApiKeys",
  "POST /auth/api-keys": "auth.createApiKey",
  "DELETE /auth/api-keys/:id": "auth.revokeApiKey",

  "GET /auth/audit": "auth.listAudit",
};
