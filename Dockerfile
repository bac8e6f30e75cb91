# connstate: multi-stage build, runs as a non-root user, health check on /health/live.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# the reactor (client, examples, sidecar); the sidecar's jar lands in the top target/
COPY pom.xml .
COPY client client
COPY examples/client examples/client
COPY sidecar/pom.xml sidecar/pom.xml
COPY sidecar/src/main sidecar/src/main
COPY config config
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin connstate
WORKDIR /app
COPY --from=build /src/target/connstate.jar /app/connstate.jar
COPY config/connstate.json /app/config/connstate.json
USER connstate
# Safe as shipped (DESIGN §8): the bridge stays on the container's loopback, for a server in the
# same pod; to expose it, configure clients (CONNSTATE_BRIDGE_CLIENTS_FILE, a mounted secret) and
# set CONNSTATE_BRIDGE_HOST=0.0.0.0 (docs/security.md). Health and metrics answer everywhere.
ENV CONNSTATE_HTTP_HOST=0.0.0.0
EXPOSE 7000 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${CONNSTATE_HTTP_PORT:-8080}/health/live" || exit 1
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/connstate.jar"]
CMD ["serve"]
