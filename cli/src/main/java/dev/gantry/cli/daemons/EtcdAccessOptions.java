package dev.gantry.cli.daemons;

import dev.gantry.scheduler.store.EtcdCredentials;
import dev.gantry.scheduler.store.EtcdOptions;
import dev.gantry.scheduler.store.EtcdTls;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;

/**
 * How `gantry scheduler` logs in to etcd: client TLS files and an etcd user. The password is
 * read from a file or the environment, never from a flag, which `ps` would show to every user of
 * the machine. Everything is read and checked before etcd is dialled.
 */
public final class EtcdAccessOptions {
    /** The etcd password, when no --etcd-password-file is given. */
    public static final String PASSWORD_ENV = "GANTRY_ETCD_PASSWORD";

    @Option(names = "--etcd-cacert", paramLabel = "FILE",
            description = "PEM file of the CA(s) that issued etcd's server certificates. Default with https:// endpoints: "
                    + "the JDK's trusted CAs.")
    Path caFile;

    @Option(names = "--etcd-cert", paramLabel = "FILE",
            description = "PEM client certificate (chain) for an etcd run with --client-cert-auth; with --etcd-key.")
    Path certFile;

    @Option(names = "--etcd-key", paramLabel = "FILE",
            description = "PEM private key (PKCS#8 or EC/RSA) of --etcd-cert. Keep it readable by the scheduler's user only.")
    Path keyFile;

    @Option(names = "--etcd-user", paramLabel = "USER",
            description = "etcd user (etcd auth enabled); the password comes from --etcd-password-file or $"
                    + PASSWORD_ENV + ".")
    String user;

    @Option(names = "--etcd-password-file", paramLabel = "FILE",
            description = "File holding the --etcd-user's password (one trailing newline is ignored).")
    Path passwordFile;

    /**
     * The options for {@code commaSeparatedEndpoints}: TLS when any TLS file is given (which
     * needs https:// endpoints), credentials when a user is given.
     *
     * @throws IllegalArgumentException naming the flag or file that is wrong
     */
    EtcdOptions options(String commaSeparatedEndpoints, Map<String, String> env, Clock clock) {
        EtcdOptions options = EtcdOptions.of(Arrays.stream(commaSeparatedEndpoints.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).toList());
        if (caFile != null || certFile != null || keyFile != null) {
            if (!options.secure()) {
                throw new IllegalArgumentException("--etcd-cacert, --etcd-cert and --etcd-key need https:// endpoints in --etcd, not "
                        + commaSeparatedEndpoints);
            }
            options = options.withTls(EtcdTls.load(caFile, certFile, keyFile, clock));
        }
        String envPassword = env.get(PASSWORD_ENV);
        boolean passwordGiven = passwordFile != null || (envPassword != null && !envPassword.isEmpty());
        if (user == null || user.isBlank()) {
            if (passwordGiven) {
                throw new IllegalArgumentException((passwordFile != null ? "--etcd-password-file" : "$" + PASSWORD_ENV)
                        + " is given without --etcd-user");
            }
            return options;
        }
        if (!passwordGiven) {
            throw new IllegalArgumentException("--etcd-user " + user + " needs a password: --etcd-password-file FILE or $"
                    + PASSWORD_ENV);
        }
        String password = passwordFile != null ? EtcdCredentials.readPasswordFile(passwordFile) : envPassword;
        return options.withCredentials(new EtcdCredentials(user, password));
    }
}
