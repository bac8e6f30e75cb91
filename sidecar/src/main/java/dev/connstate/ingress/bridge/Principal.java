package dev.connstate.ingress.bridge;

import dev.connstate.protocol.Role;

/**
 * Who a bridge socket speaks for, once authenticated: a configured client's name and role. A
 * bridge without configured clients (loopback development) admits every socket as
 * {@link #UNAUTHENTICATED}, with the admin role.
 */
record Principal(String name, Role role) {
  /** The identity of every socket when no client is configured. */
  static final Principal UNAUTHENTICATED = new Principal("(unauthenticated)", Role.ADMIN);
}
