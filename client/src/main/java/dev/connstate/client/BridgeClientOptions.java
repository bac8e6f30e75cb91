package dev.connstate.client;

import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.Objects;

/**
 * Where and how {@link ConnStateClient#bridge} reaches a sidecar's TCP bridge. Every duration is
 * in milliseconds; the defaults suit a sidecar beside its server.
 *
 * <ul>
 *   <li>{@code host} (default {@code 127.0.0.1}), {@code port} (default 7000).
 *   <li>{@code token}: sent as {@code connstate.auth} after every connect, before anything else
 *       (DESIGN §8); null (default) for a sidecar with no clients configured, or one that names
 *       the client by its TLS certificate.
 *   <li>{@code session}: announced with {@code connstate.session} after every connect (DESIGN §7),
 *       so the connections registered in it survive a reconnect within the sidecar's grace;
 *       null (default) for none.
 *   <li>TLS: {@code tlsCaPemPath} turns TLS on and trusts that CA (PEM); {@code tlsCertPemPath}
 *       and {@code tlsKeyPemPath} add a client certificate; the server's name is verified
 *       against {@code host} unless {@code tlsHostnameVerification} is false.
 *       {@link #getNetClientOptions()} is the base the client starts from, for anything else.
 *   <li>{@code connectTimeoutMs} 5 000: one connection attempt.
 *   <li>{@code requestTimeoutMs} 35 000: how long a request waits for its answer (including
 *       waiting for a connection), then fails with {@link OutcomeUnknownException} (or
 *       {@link UnavailableException} if it was never sent). A little above the sidecar's own
 *       {@code bridge.requestTimeoutMs} (30 000), so that its TIMEOUT answer normally comes
 *       first.
 *   <li>{@code reconnectInitialMs} 100, {@code reconnectMaxMs} 10 000, {@code reconnectJitter}
 *       0.2: after a failed attempt or a lost connection the client waits initial × 2^n, capped
 *       at max, each delay varied by ± jitter (a fraction) so that many clients do not return
 *       at once. It retries until closed.
 *   <li>{@code pingIntervalMs} 5 000 and {@code pongTimeoutMs} 5 000: a ping every interval;
 *       with no frame at all within the timeout after a ping the connection is taken for dead,
 *       closed and reconnected (the sidecar never pings, docs/protocol.md §9). 0 turns pings off.
 *   <li>{@code maxFrameBytes} 64 MiB: a larger incoming frame closes the connection (replies
 *       are bounded by the sidecar near 1 MiB; the cap only stops a broken stream from making
 *       the client allocate without limit).
 * </ul>
 */
public final class BridgeClientOptions {
  private String host = "127.0.0.1";
  private int port = 7000;
  private String token;
  private String session;
  private String tlsCaPemPath;
  private String tlsCertPemPath;
  private String tlsKeyPemPath;
  private boolean tlsHostnameVerification = true;
  private NetClientOptions netClientOptions = new NetClientOptions();
  private int connectTimeoutMs = 5_000;
  private long requestTimeoutMs = 35_000;
  private long reconnectInitialMs = 100;
  private long reconnectMaxMs = 10_000;
  private double reconnectJitter = 0.2;
  private long pingIntervalMs = 5_000;
  private long pongTimeoutMs = 5_000;
  private int maxFrameBytes = 64 * 1024 * 1024;

  public String getHost() {
    return host;
  }

  public BridgeClientOptions setHost(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return this;
  }

  public int getPort() {
    return port;
  }

  public BridgeClientOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public String getToken() {
    return token;
  }

  /** The bridge token (DESIGN §8); never logged. */
  public BridgeClientOptions setToken(String token) {
    this.token = token;
    return this;
  }

  public String getSession() {
    return session;
  }

  /** The client session announced after every connect (1–128 of {@code A-Z a-z 0-9 . _ : -}). */
  public BridgeClientOptions setSession(String session) {
    this.session = session;
    return this;
  }

  /** Turns TLS on, trusting the CA certificate(s) in this PEM file. */
  public BridgeClientOptions setTlsCaPemPath(String path) {
    this.tlsCaPemPath = path;
    return this;
  }

  /** A client certificate (PEM) and its private key (PEM), for a sidecar that requires one. */
  public BridgeClientOptions setTlsClientCertificate(String certPemPath, String keyPemPath) {
    this.tlsCertPemPath = certPemPath;
    this.tlsKeyPemPath = keyPemPath;
    return this;
  }

  /** Whether the server certificate must name {@code host} (default true). */
  public BridgeClientOptions setTlsHostnameVerification(boolean verify) {
    this.tlsHostnameVerification = verify;
    return this;
  }

  /** The Vert.x options the client's NetClient starts from (TLS and the timeout are set on a copy). */
  public NetClientOptions getNetClientOptions() {
    return netClientOptions;
  }

  public BridgeClientOptions setNetClientOptions(NetClientOptions options) {
    this.netClientOptions = Objects.requireNonNull(options, "options");
    return this;
  }

  public int getConnectTimeoutMs() {
    return connectTimeoutMs;
  }

  public BridgeClientOptions setConnectTimeoutMs(int ms) {
    this.connectTimeoutMs = positive(ms, "connectTimeoutMs");
    return this;
  }

  public long getRequestTimeoutMs() {
    return requestTimeoutMs;
  }

  public BridgeClientOptions setRequestTimeoutMs(long ms) {
    this.requestTimeoutMs = positive(ms, "requestTimeoutMs");
    return this;
  }

  public long getReconnectInitialMs() {
    return reconnectInitialMs;
  }

  public long getReconnectMaxMs() {
    return reconnectMaxMs;
  }

  public double getReconnectJitter() {
    return reconnectJitter;
  }

  /** The reconnect backoff: first delay, cap, and jitter as a fraction from 0 to 1. */
  public BridgeClientOptions setReconnect(long initialMs, long maxMs, double jitter) {
    if (initialMs < 1 || maxMs < initialMs || jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("reconnect needs 1 <= initialMs <= maxMs and jitter in [0, 1], got "
          + initialMs + ", " + maxMs + ", " + jitter);
    }
    this.reconnectInitialMs = initialMs;
    this.reconnectMaxMs = maxMs;
    this.reconnectJitter = jitter;
    return this;
  }

  public long getPingIntervalMs() {
    return pingIntervalMs;
  }

  public long getPongTimeoutMs() {
    return pongTimeoutMs;
  }

  /** Keep-alive: a ping every {@code intervalMs} (0: never), dead after {@code timeoutMs} of silence. */
  public BridgeClientOptions setPing(long intervalMs, long timeoutMs) {
    if (intervalMs < 0 || timeoutMs < 1) {
      throw new IllegalArgumentException("ping needs intervalMs >= 0 and timeoutMs >= 1, got " + intervalMs
          + ", " + timeoutMs);
    }
    this.pingIntervalMs = intervalMs;
    this.pongTimeoutMs = timeoutMs;
    return this;
  }

  public int getMaxFrameBytes() {
    return maxFrameBytes;
  }

  public BridgeClientOptions setMaxFrameBytes(int bytes) {
    this.maxFrameBytes = positive(bytes, "maxFrameBytes");
    return this;
  }

  /** The NetClient options actually used: a copy of the base with TLS and the connect timeout. */
  NetClientOptions toNetClientOptions() {
    NetClientOptions options = new NetClientOptions(netClientOptions).setConnectTimeout(connectTimeoutMs);
    if (tlsCaPemPath != null) {
      options.setSsl(true).setTrustOptions(new PemTrustOptions().addCertPath(tlsCaPemPath))
          .setHostnameVerificationAlgorithm(tlsHostnameVerification ? "HTTPS" : "");
    }
    if (tlsCertPemPath != null) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(tlsCertPemPath)
          .setKeyPath(tlsKeyPemPath));
    }
    return options;
  }

  private static <N extends Number> N positive(N value, String name) {
    if (value.longValue() < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
    return value;
  }
}
