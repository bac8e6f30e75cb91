package dev.connstate.ingress.bridge;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.PemFiles;
import dev.connstate.config.SidecarConfig;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;

/**
 * TLS on the bridge port (DESIGN §8): {@code bridge.tls.certFile} and {@code keyFile} turn it
 * on; {@code bridge.tls.clientCaFile} requires a client certificate signed by that CA, whose
 * subject CN names the configured client the socket speaks for. The files are read and checked
 * when this is built, so a bad file stops the start. A handshake must finish within
 * {@code bridge.authTimeoutMs}, like an authentication.
 */
final class BridgeTls {
  private final PemKeyCertOptions keyCert;
  private final PemTrustOptions clientCa;
  private final long handshakeTimeoutMs;

  private BridgeTls(PemKeyCertOptions keyCert, PemTrustOptions clientCa, long handshakeTimeoutMs) {
    this.keyCert = keyCert;
    this.clientCa = clientCa;
    this.handshakeTimeoutMs = handshakeTimeoutMs;
  }

  /** The TLS of these settings, or null when TLS is off; fails with a {@link ConfigException}. */
  static BridgeTls of(SidecarConfig.BridgeSettings settings, ClientRegistry clients) {
    SidecarConfig.TlsSettings tls = settings.tls();
    if (!tls.enabled()) {
      return null;
    }
    PemKeyCertOptions keyCert = PemFiles.keyCert("bridge.tls.certFile", tls.certFile(), "bridge.tls.keyFile",
        tls.keyFile());
    PemTrustOptions clientCa = null;
    if (tls.clientCaFile() != null) {
      if (clients.open()) {
        throw new ConfigException("bridge.tls.clientCaFile (" + ConfigLoader.envName("bridge.tls.clientCaFile")
            + ") is set, but no bridge client is configured: a client certificate's CN must name a configured "
            + "client (" + ConfigLoader.envName("bridge.clients") + " or "
            + ConfigLoader.envName("bridge.clientsFile") + "), so every client would be refused");
      }
      clientCa = PemFiles.trust("bridge.tls.clientCaFile", tls.clientCaFile());
    }
    return new BridgeTls(keyCert, clientCa, settings.authTimeoutMs());
  }

  /** True if every client presents a certificate, which names it. */
  boolean clientCertificates() {
    return clientCa != null;
  }

  /** Turns TLS on in {@code options}. */
  NetServerOptions apply(NetServerOptions options) {
    options.setSsl(true).setKeyCertOptions(keyCert)
        .setSslHandshakeTimeout(handshakeTimeoutMs).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    if (clientCa != null) {
      options.setTrustOptions(clientCa).setClientAuth(ClientAuth.REQUIRED);
    }
    return options;
  }

  /** How this bridge is secured, for the start-up log. */
  String describe() {
    return clientCertificates() ? "TLS, client certificates required" : "TLS";
  }

  /**
   * The subject CN of the certificate a socket presented (the handshake verified it against the
   * client CA), or empty if it presented none or its subject has no single CN.
   */
  static Optional<String> clientName(NetSocket socket) {
    List<Certificate> chain;
    try {
      chain = socket.peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate certificate)) {
      return Optional.empty();
    }
    return commonName(certificate.getSubjectX500Principal());
  }

  /** The one CN of a subject, e.g. {@code game-1} of {@code CN=game-1,O=Example}; empty if none or several. */
  static Optional<String> commonName(X500Principal subject) {
    List<Rdn> names;
    try {
      names = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    List<String> common = names.stream().filter(r -> r.getType().equalsIgnoreCase("CN"))
        .map(r -> r.getValue() instanceof String s ? s : null).toList();
    return common.size() == 1 && common.get(0) != null ? Optional.of(common.get(0)) : Optional.empty();
  }

  /**
   * What went wrong in a failed handshake, for the log. Never the exception's own message when
   * the client did not speak TLS: Netty's quotes the bytes received, which may hold a token.
   */
  static String handshakeFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof NotSslRecordException) {
        return "the client does not speak TLS: a plain TCP client?";
      }
      if (t instanceof SslHandshakeTimeoutException) {
        return "no TLS handshake within bridge.authTimeoutMs";
      }
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SSLException ssl && ssl.getMessage() != null) {
        return ssl.getMessage();
      }
    }
    return failure.getClass().getSimpleName();
  }
}
