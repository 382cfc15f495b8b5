/**
 * Fixed identities of the extension and its native host.
 *
 * The manifest `key` pins the Chromium extension id, so the host installer can allow exactly that
 * origin without asking. Only the public half is here; the private key is not needed to load an
 * unpacked extension and is not kept.
 */
export const EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4w/ilx9afhWu9ERe68BwroWD5oy4cu2hXKSjjTNtYDMELh13qVU7Uzjjjscxh5HaikRlPV5Dp0UZvi0JuoUybHbDJxRq6sELYGqWpdXFu7tquCYH1tHXNzonP8YRC1r81nYD2rNl51qd/1MAwYEhZpbgAkMauvNMSdU5DeG3Hd9xcfGLyTLBtlvZN69fhqxuzB/VL5MKWD+124AvbV6mSgg/mLjmxPTMUPXyprAzWnUVsVWvvBp8NtKXrWqFba+SaH73jNEBxkJ6PcxjnlHHNawKp9Tcp5AX1jQJCx0FXXczNesDjMa2oiPdETjRJIy1LZOhEusgf/bSyPsxr1ioQIDAQAB';

/** The Chromium id that {@link EXTENSION_PUBLIC_KEY} yields (checked by a unit test). */
export const DEFAULT_EXTENSION_ID = 'ljfinjkkblfipmgadfpfgephgogcoghg';

/** Firefox identifies add-ons by this id instead of a key-derived one. */
export const GECKO_EXTENSION_ID = 'keygate@keygate.dev';

/** Native messaging host name: lower-case letters, digits, dots and underscores only. */
export const NATIVE_HOST_NAME = 'dev.keygate.host';

export const KEYGATE_VERSION = '0.1.0';
