// A client-side app: the gateway serves index.html for every path that is not an API route.
export const ssr = false;
export const prerender = false;
