/** Name of the hidden form field carrying the session's CSRF token on every console form. */
export const CSRF_FIELD = '_csrf';
