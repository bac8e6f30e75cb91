package dev.connstate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.connstate.config.ConfigException;
import dev.connstate.config.ConfigLoader;
import dev.connstate.config.SidecarConfig;
import dev.connstate.testing.TestCerts;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.vertx.core.VertxException;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.RedisOptions;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Redis client options")
class RedisClientsTest {

  @Test
  @DisplayName("rediss:// trusts redis.tls.caFile and verifies the host name; a node's client (Sentinel, cluster "
      + "scan) gets the same TLS settings")
  void tlsSettings() {
    SidecarConfig config = load(Map.of("CONNSTATE_REDIS_URL", "rediss://a:6380,rediss://b:6380",
        "CONNSTATE_REDIS_MODE", "sentinel", "CONNSTATE_REDIS_TLS_CA_FILE", TestCerts.path(TestCerts.CA)));
    RedisOptions options = RedisClients.options(config.redis(), config.redis().url(), 2);
    assertThat(options.getEndpoints()).containsExactly("rediss://a:6380", "rediss://b:6380");
    NetClientOptions net = options.getNetClientOptions();
    assertThat(net.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(net.getTrustOptions()).isInstanceOfSatisfying(PemTrustOptions.class,
        t -> assertThat(t.getCertValues()).hasSize(1));
    assertThat(net.isTcpKeepAlive()).isTrue();

    RedisOptions node = RedisClients.node(options, "rediss://127.0.0.1:7000", 1);
    assertThat(node.getEndpoint()).isEqualTo("rediss://127.0.0.1:7000");
    assertThat(node.getNetClientOptions()).isNotSameAs(net);
    assertThat(node.getNetClientOptions().getTrustOptions()).isEqualTo(net.getTrustOptions());
    assertThat(node.getNetClientOptions().getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
  }

  @Test
  @DisplayName("without redis.tls.caFile the JVM's trust store is used, and the host name is still verified")
  void jvmTrustStore() {
    SidecarConfig config = load(Map.of("CONNSTATE_REDIS_URL", "rediss://redis.example.net:6380"));
    NetClientOptions net = RedisClients.options(config.redis(), config.redis().url(), 1).getNetClientOptions();
    assertThat(net.getTrustOptions()).isNull();
    assertThat(net.getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
  }

  @Test
  @DisplayName("the pool holds a connection per shard, the subscription, lease and reaper, and spares; a configured "
      + "size with none to spare (Redis Cluster's slot refresh would stall every request) is refused, naming the key")
  void poolSize() {
    assertThat(RedisClients.options(load(Map.of()).redis(), "redis://a:6400", 4).getMaxPoolSize()).isEqualTo(11);
    SidecarConfig eight = load(Map.of("CONNSTATE_REDIS_MAX_POOL_SIZE", "8"));
    assertThat(RedisClients.options(eight.redis(), "redis://a:6400", 4).getMaxPoolSize()).isEqualTo(8);
    SidecarConfig seven = load(Map.of("CONNSTATE_REDIS_MAX_POOL_SIZE", "7"));
    assertThatThrownBy(() -> RedisClients.options(seven.redis(), "redis://a:6400", 4))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("redis.maxPoolSize (CONNSTATE_REDIS_MAX_POOL_SIZE) is 7")
        .hasMessageContaining("set at least 8");
  }

  @Test
  @DisplayName("the scheme of the first endpoint carries over to the nodes it leads to")
  void scheme() {
    assertThat(RedisClients.schemeOf("rediss://u:p@a:6380")).isEqualTo("rediss://");
    assertThat(RedisClients.schemeOf(" rediss://a:6380")).isEqualTo("rediss://");
    assertThat(RedisClients.schemeOf("redis://a:6400")).isEqualTo("redis://");
  }

  @Test
  @DisplayName("a connection TLS refused is explained: untrusted certificate, wrong host name, a port without TLS")
  void tlsProblems() {
    assertThat(RedisClients.tlsProblem(new SSLHandshakeException("PKIX path building failed: …")))
        .contains("not trusted", "CONNSTATE_REDIS_TLS_CA_FILE");
    assertThat(RedisClients.tlsProblem(wrap(new CertPathBuilderException("unable to find a path"))))
        .contains("not trusted");
    assertThat(RedisClients.tlsProblem(wrap(new CertificateException("No subject alternative names matching IP "
        + "address 10.0.0.9 found")))).contains("does not name the host");
    assertThat(RedisClients.tlsProblem(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
        .contains("does this port speak TLS?");
    assertThat(RedisClients.tlsProblem(new java.net.ConnectException("Connection refused"))).isNull();
  }

  private static Throwable wrap(Throwable cause) {
    SSLHandshakeException handshake = new SSLHandshakeException("handshake failed");
    handshake.initCause(cause);
    return new VertxException(handshake);
  }

  private static SidecarConfig load(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.put("CONNSTATE_INSTANCE_ID", "redis-clients-test");
    return new ConfigLoader().load(null, all, null);
  }
}
