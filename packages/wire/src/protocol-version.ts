/**
 * The version of the frame protocol between a Tunnel Durable Object and a connector
 * (`schema/frame.capnp`). Bumped only by a change an older peer cannot decode; compatible
 * additions are announced by name in `hello.features` instead, so most releases keep this number.
 */
export const PROTOCOL_VERSION = 1;
