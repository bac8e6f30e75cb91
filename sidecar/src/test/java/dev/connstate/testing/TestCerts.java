package dev.connstate.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The test-only certificates of {@code src/test/resources/tls/} (see the README there): a CA, a
 * server certificate for 127.0.0.1 and localhost, and client certificates with CN {@code game-1}
 * and {@code stranger}, all EC P-256 keys in PKCS#8 PEM. Builds JDK TLS socket factories from
 * them the way a client in any language would: trust the CA, present a certificate or none.
 */
public final class TestCerts {
  public static final String CA = "ca.pem";
  public static final String SERVER = "server.pem";
  public static final String SERVER_KEY = "server-key.pem";
  private static final char[] PASSWORD = "test".toCharArray();

  private TestCerts() {
  }

  /** The file {@code name} of the test certificates, e.g. {@code ca.pem}, as a path on disk. */
  public static Path file(String name) {
    URL url = TestCerts.class.getResource("/tls/" + name);
    if (url == null) {
      throw new IllegalStateException("no test certificate file tls/" + name + " on the test classpath");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A path as the configuration takes it. */
  public static String path(String name) {
    return file(name).toString();
  }

  /**
   * A factory of TLS sockets that trust only the test CA and present the certificate of
   * {@code client} ({@code game-1}, {@code stranger}), or none when it is null.
   */
  public static SSLSocketFactory socketFactory(String client) {
    try {
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      anchors.setCertificateEntry("ca", certificate(CA));
      trust.init(anchors);
      KeyManagerFactory keys = null;
      if (client != null) {
        KeyStore identity = KeyStore.getInstance(KeyStore.getDefaultType());
        identity.load(null, null);
        identity.setKeyEntry(client, privateKey(client + "-key.pem"), PASSWORD,
            new Certificate[] {certificate(client + ".pem")});
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity, PASSWORD);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a TLS client from the test certificates", e);
    }
  }

  private static Certificate certificate(String name) throws GeneralSecurityException, IOException {
    return CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file(name))));
  }

  private static PrivateKey privateKey(String name) throws GeneralSecurityException {
    String pem;
    try {
      pem = Files.readString(file(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }
}
