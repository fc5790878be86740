/** tt's own version, and the tinytown release it is compatible with. */
export const VERSION = "0.1.0";
export const TINYTOWN_COMPAT = "0.10.0";
