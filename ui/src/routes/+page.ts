import { redirect } from "@sveltejs/kit";
import type { PageLoad } from "./$types";

/** The app opens on the datasets (the layout sends a signed-out visitor on to log in). */
export const load: PageLoad = () => {
  redirect(307, "/datasets");
};
