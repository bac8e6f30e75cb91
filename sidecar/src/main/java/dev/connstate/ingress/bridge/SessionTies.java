package dev.connstate.ingress.bridge;

/**
 * Where the bridge reports which socket speaks for which client session (DESIGN §7), so that
 * the connections of a session outlive its last socket only by the grace. Called from the
 * bridge's event loop.
 */
public interface SessionTies {
  /** Sessions are not kept (the v1 store): nothing is tied. */
  SessionTies NONE = new SessionTies() {
    @Override
    public void tie(Object socket, String session) {
      // no client sessions without the v2 store: DESIGN §7 expiry needs its change script
    }

    @Override
    public void untie(Object socket) {
      // nothing was tied
    }
  };

  /** {@code socket} announced {@code session} (a socket speaks for one session: the last it named). */
  void tie(Object socket, String session);

  /** {@code socket} closed. */
  void untie(Object socket);
}
