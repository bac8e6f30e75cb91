package dev.connstate.examples

import dev.connstate.client.BridgeClientOptions
import dev.connstate.client.ConnStateClient
import dev.connstate.client.NewConnection
import dev.connstate.client.NotFoundException
import io.vertx.core.Future
import io.vertx.core.Vertx
import java.io.PrintStream

/**
 * Getting started with connstate-client in Kotlin (docs/client.md): the same walk-through as
 * GettingStarted.java, with the client's futures composed the same way.
 */
object GettingStartedKotlin {
  @JvmStatic
  fun main(args: Array<String>) {
    val vertx = Vertx.vertx()
    val options = BridgeClientOptions()
      .setHost(args.getOrElse(0) { "127.0.0.1" })
      .setPort(args.getOrElse(1) { "7000" }.toInt())
      .setToken(System.getenv("CONNSTATE_TOKEN"))
    run(vertx, options, 43, System.out).onComplete { result ->
      if (result.failed()) System.err.println("failed: ${result.cause()}")
      vertx.close()
    }
  }

  /** The walk-through; completes when the client is closed. */
  @JvmStatic
  fun run(vertx: Vertx, options: BridgeClientOptions, handle: Long, out: PrintStream): Future<Void> {
    val client = ConnStateClient.bridge(vertx, options)
    return client.events { event -> out.println("event: ${event.type()} ${event.handle()} v${event.version()}") }
      .ready()
      .compose { client.register(NewConnection.of(handle, "203.0.113.6:50123", "203.0.113.6", "telnet")
        .withMetadata(mapOf("CLIENT" to "kotlin"))) }
      .compose { client.bind(handle, "#6") }
      .compose { bound ->
        out.println("bound: ${bound.handle()} is ${bound.state()} as ${bound.playerRef()}")
        client.get(handle)
      }
      .compose { read ->
        out.println("get: ${read.handle()} owned by ${read.owner()}")
        client.disconnect(handle, "quit")
      }
      .compose { client.get(handle).map { false }.recover { e -> Future.succeededFuture(e is NotFoundException) } }
      .compose { gone ->
        out.println("after disconnect, get says 404: $gone")
        client.close()
      }
  }
}
