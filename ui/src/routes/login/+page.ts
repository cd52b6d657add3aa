import { configuredProviders } from "$lib/api/providers";
import type { PageLoad } from "./$types";

/** The OAuth providers to offer. Without the list (an old or unreachable server) the password form alone is offered. */
export const load: PageLoad = async () => ({ providers: await configuredProviders().catch(() => []) });
