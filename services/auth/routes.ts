/** HTTP endpoints of the auth service (mounted under /api). */
export const AUTH_ROUTES: Record<string, string> = {};
