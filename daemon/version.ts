/** @module The daemon's version, embedded in the compiled binary. */

/** The daemon's semantic version. */
export const VERSION = "0.1.0";
