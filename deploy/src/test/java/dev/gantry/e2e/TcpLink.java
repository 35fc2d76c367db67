package dev.gantry.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link between one process and a server (a scheduler and etcd) that a test can cut like a
 * network partition: while cut, connections stay open but every byte is dropped both ways, so the
 * client sees a peer that stops answering rather than one that refuses (which is what a real
 * partition looks like, and the harder case: only deadlines and keepalives notice it). Healing
 * closes the connections that lost bytes, as a long partition would, so the client reconnects.
 */
final class TcpLink implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;

    TcpLink(String host, int port) throws IOException {
        this.target = new InetSocketAddress(host, port);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tcp-link-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The local address to give the client instead of the server's. */
    String endpoint() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    void cut() {
        cut = true;
    }

    void heal() {
        cut = false;
        for (Socket s : sockets) close(s);
        sockets.clear();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                try {
                    server.connect(target, 2000);
                } catch (IOException e) {
                    close(client);
                    continue;
                }
                sockets.add(client);
                sockets.add(server);
                pump(client, server);
                pump(server, client);
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (cut) continue; // the partition swallows it
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed: close the other
            } finally {
                close(from);
                close(to);
            }
        }, "tcp-link-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
        heal();
    }
}
