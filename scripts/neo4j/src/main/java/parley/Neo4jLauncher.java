package parley;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.configuration.ssl.ClientAuth;
import org.neo4j.configuration.ssl.SslPolicyConfig;
import org.neo4j.configuration.ssl.SslPolicyScope;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Runs an embedded Neo4j Community server with Bolt on 127.0.0.1, auth disabled, for local development and tests.
 *
 * <p>Usage: {@code Neo4jLauncher --port N --data DIR [--pagecache-mb N] [--bolt-tls DIR] [--exit-on-stdin-eof] [--training]}.
 * {@code --bolt-tls DIR} requires TLS on Bolt with {@code DIR/private.key} and {@code DIR/public.crt} (PEM).
 * Prints exactly one line {@code NEO4J READY bolt://127.0.0.1:PORT} to stdout once Bolt accepts connections and
 * shuts down cleanly on SIGTERM/SIGINT. {@code --port 0} binds a free port and reports it in the ready line.
 * {@code --training} runs sample statements and exits after the ready line; it is used to record a
 * class-data-sharing archive that makes later JVM starts faster.
 */
public final class Neo4jLauncher {
    private static final String HOST = "127.0.0.1";

    private Neo4jLauncher() {}

    public static void main(String[] args) {
        int port = 7687;
        Path data = null;
        long pageCacheMb = 64;
        boolean exitOnStdinEof = false;
        boolean training = false;
        Path boltTls = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value(args, ++i, "--port"));
                case "--data" -> data = Paths.get(value(args, ++i, "--data"));
                case "--pagecache-mb" -> pageCacheMb = Long.parseLong(value(args, ++i, "--pagecache-mb"));
                case "--exit-on-stdin-eof" -> exitOnStdinEof = true;
                case "--training" -> training = true;
                case "--bolt-tls" -> boltTls = Paths.get(value(args, ++i, "--bolt-tls"));
                default -> usage("unknown argument: " + args[i]);
            }
        }
        if (data == null) {
            usage("--data DIR is required");
        }
        if (port < 0 || port > 65535) {
            usage("--port must be 0..65535");
        }

        AtomicReference<DatabaseManagementService> service = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            DatabaseManagementService dbms = service.getAndSet(null);
            if (dbms != null) {
                try {
                    dbms.shutdown();
                    System.err.println("NEO4J STOPPED");
                } catch (Throwable t) {
                    System.err.println("NEO4J shutdown failed: " + t);
                }
            }
            stopped.countDown();
        }, "neo4j-shutdown"));

        if (exitOnStdinEof) {
            // The parent keeps our stdin open; EOF means it died, so don't linger as an orphan holding the port.
            Thread watcher = new Thread(() -> {
                try (InputStream in = System.in) {
                    byte[] buf = new byte[256];
                    while (in.read(buf) >= 0) {
                        // discard
                    }
                } catch (IOException ignored) {
                    // treat like EOF
                }
                System.exit(0);
            }, "stdin-eof-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }

        try {
            Path home = data.toAbsolutePath().normalize();
            Files.createDirectories(home);
            DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home);
            SocketAddress bolt = new SocketAddress(HOST, port);
            builder.setConfig(BoltConnector.enabled, true);
            builder.setConfig(BoltConnector.listen_address, bolt);
            if (port != 0) {
                // neo4j:// (routing) clients connect to the advertised address, so it must be the real one.
                builder.setConfig(BoltConnector.advertised_address, bolt);
            }
            // Bolt otherwise waits 5 s twice on shutdown even with no clients, making every stop take 10 s.
            builder.setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1));
            builder.setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1));
            if (boltTls != null) {
                Path dir = boltTls.toAbsolutePath().normalize();
                SslPolicyConfig policy = SslPolicyConfig.forScope(SslPolicyScope.BOLT);
                builder.setConfig(policy.enabled, true);
                builder.setConfig(policy.base_directory, dir);
                builder.setConfig(policy.private_key, dir.resolve("private.key"));
                builder.setConfig(policy.public_certificate, dir.resolve("public.crt"));
                builder.setConfig(policy.client_auth, ClientAuth.NONE);
                builder.setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.REQUIRED);
            }
            builder.setConfig(HttpConnector.enabled, false);
            builder.setConfig(HttpsConnector.enabled, false);
            builder.setConfig(GraphDatabaseSettings.auth_enabled, false);
            builder.setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMb * 1024L * 1024L);
            // Default preallocates 256 MiB of transaction log per database; wasteful for throwaway data dirs.
            builder.setConfig(GraphDatabaseSettings.preallocate_logical_logs, false);
            // Local servers must not make outbound connections, such as usage reports.
            builder.setConfig(GraphDatabaseSettings.udc_enabled, false);

            DatabaseManagementService dbms = builder.build();
            service.set(dbms);

            GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            if (!db.isAvailable(120_000)) {
                throw new IllegalStateException("default database did not become available");
            }
            db.executeTransactionally("RETURN 1");

            int boltPort = port;
            if (boltPort == 0) {
                HostnamePort bound = ((GraphDatabaseAPI) db).getDependencyResolver()
                        .resolveDependency(ConnectorPortRegister.class)
                        .getLocalAddress(ConnectorType.BOLT);
                boltPort = bound.getPort();
            }
            awaitTcp(HOST, boltPort, 60_000);

            if (training) {
                exercise(db);
            }
            System.out.println("NEO4J READY bolt://" + HOST + ":" + boltPort);
            System.out.flush();
            if (training) {
                System.exit(0);
            }
        } catch (Throwable t) {
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            t.printStackTrace();
            // Last, so it is what a caller showing only the tail of the output sees.
            System.err.println("NEO4J FAILED: " + root);
            System.exit(1);
        }

        try {
            stopped.await();
        } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs typical statements so their classes land in the class-data-sharing archive dumped at exit. */
    private static void exercise(GraphDatabaseService db) {
        db.executeTransactionally("CREATE CONSTRAINT warmup_id IF NOT EXISTS FOR (n:Warmup) REQUIRE n.id IS UNIQUE");
        db.executeTransactionally("CREATE INDEX warmup_name IF NOT EXISTS FOR (n:Warmup) ON (n.name)");
        db.executeTransactionally(
                "UNWIND range(1, 50) AS i MERGE (a:Warmup {id: i}) SET a.name = 'n' + i, a.at = datetime() "
                        + "WITH a, i MATCH (b:Warmup {id: i - 1}) MERGE (b)-[:NEXT {w: i}]->(a)",
                Map.of());
        db.executeTransactionally(
                "MATCH (a:Warmup)-[r:NEXT]->(b) WHERE a.name STARTS WITH $p "
                        + "RETURN a.id AS id, collect(b.name)[0..3] AS names, count(r) AS c ORDER BY id DESC LIMIT 10",
                Map.of("p", "n"),
                result -> {
                    result.stream().forEach(row -> {});
                    return null;
                });
        db.executeTransactionally("MATCH p = shortestPath((a:Warmup {id: 1})-[:NEXT*]->(b:Warmup {id: 20})) RETURN length(p)");
        db.executeTransactionally("SHOW INDEXES YIELD name RETURN count(*)");
        db.executeTransactionally("MATCH (n:Warmup) DETACH DELETE n");
        db.executeTransactionally("DROP INDEX warmup_name IF EXISTS");
        db.executeTransactionally("DROP CONSTRAINT warmup_id IF EXISTS");
    }

    private static void awaitTcp(String host, int port, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("Bolt port " + port + " not accepting connections", e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println(
                "usage: Neo4jLauncher --port N --data DIR [--pagecache-mb N] [--exit-on-stdin-eof] [--training]");
        System.exit(2);
    }
}
