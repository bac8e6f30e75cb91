package dev.connstate.config;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;

/**
 * The PEM files the TLS keys name (DESIGN §8), read and checked once at start: a missing,
 * unreadable or malformed file stops the start with a {@link ConfigException} naming the key,
 * its environment variable and the file, rather than failing the first handshake. Vert.x is
 * given the bytes read here, so what was checked is what is used. A message never quotes a
 * file's content (it may be a private key).
 */
public final class PemFiles {
  private PemFiles() {
  }

  /**
   * A certificate (chain) and its private key, for a TLS server.
   *
   * @param certKey the configuration key naming the certificate file, e.g. {@code bridge.tls.certFile}
   * @param keyKey the configuration key naming the private key file
   */
  public static PemKeyCertOptions keyCert(String certKey, String certFile, String keyKey, String keyFile) {
    Buffer cert = read(certKey, certFile);
    Buffer key = read(keyKey, keyFile);
    requireCertificates(certKey, certFile, cert);
    PemKeyCertOptions options = new PemKeyCertOptions().setCertValue(cert).setKeyValue(key);
    try {
      // with values only, Vert.x needs no Vert.x instance to parse them
      options.loadKeyStore(null);
    } catch (Exception e) {
      throw new ConfigException(describe(keyKey, keyFile) + " does not hold a PEM private key (PKCS#8 'BEGIN PRIVATE "
          + "KEY', or 'BEGIN RSA PRIVATE KEY' / 'BEGIN EC PRIVATE KEY') for the certificate of " + certKey + ": "
          + e.getMessage());
    }
    return options;
  }

  /** The CA certificates of a PEM file, as the only trust anchors of a TLS peer. */
  public static PemTrustOptions trust(String key, String file) {
    Buffer certs = read(key, file);
    requireCertificates(key, file, certs);
    return new PemTrustOptions().addCertValue(certs);
  }

  /** The bytes of the file {@code key} names. */
  static Buffer read(String key, String file) {
    try {
      return Buffer.buffer(Files.readAllBytes(Path.of(file)));
    } catch (NoSuchFileException e) {
      throw new ConfigException(describe(key, file) + " cannot be read: no such file");
    } catch (AccessDeniedException e) {
      throw new ConfigException(describe(key, file) + " cannot be read: permission denied");
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(describe(key, file) + " cannot be read: " + e);
    }
  }

  private static void requireCertificates(String key, String file, Buffer pem) {
    int count;
    try {
      count = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes()))
          .size();
    } catch (CertificateException e) {
      throw new ConfigException(describe(key, file) + " does not hold PEM certificates ('BEGIN CERTIFICATE'): "
          + e.getMessage());
    }
    if (count == 0) {
      throw new ConfigException(describe(key, file) + " holds no certificate ('BEGIN CERTIFICATE')");
    }
  }

  private static String describe(String key, String file) {
    return key + " (" + ConfigLoader.envName(key) + ") file " + file;
  }
}
