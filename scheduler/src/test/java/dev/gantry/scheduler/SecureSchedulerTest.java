package dev.gantry.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.gantry.api.security.ClusterCa;
import dev.gantry.api.security.Csr;
import dev.gantry.api.security.EcKeys;
import dev.gantry.api.security.JoinToken;
import dev.gantry.api.security.Pem;
import dev.gantry.api.transport.TlsMaterial;
import dev.gantry.api.transport.Transport;
import dev.gantry.api.v1.AclPolicy;
import dev.gantry.api.v1.AclServiceGrpc;
import dev.gantry.api.v1.AgentMessage;
import dev.gantry.api.v1.AgentServiceGrpc;
import dev.gantry.api.v1.ClusterServiceGrpc;
import dev.gantry.api.v1.CreateAclTokenRequest;
import dev.gantry.api.v1.CreateJoinTokenRequest;
import dev.gantry.api.v1.GetJobRequest;
import dev.gantry.api.v1.JobServiceGrpc;
import dev.gantry.api.v1.JoinRequest;
import dev.gantry.api.v1.JoinResponse;
import dev.gantry.api.v1.JoinTokenServiceGrpc;
import dev.gantry.api.v1.ListJobsRequest;
import dev.gantry.api.v1.ListNodesRequest;
import dev.gantry.api.v1.ListSecretsRequest;
import dev.gantry.api.v1.NamespaceRule;
import dev.gantry.api.v1.Node;
import dev.gantry.api.v1.NodeServiceGrpc;
import dev.gantry.api.v1.RemoveNodeRequest;
import dev.gantry.api.v1.RenewCertificateRequest;
import dev.gantry.api.v1.SchedulerMessage;
import dev.gantry.api.v1.SecretServiceGrpc;
import dev.gantry.scheduler.security.PermissionTable;
import dev.gantry.scheduler.security.Rule;
import dev.gantry.scheduler.security.SchedulerSecurity;
import dev.gantry.scheduler.store.MemoryStore;
import dev.gantry.scheduler.testing.SecureScheduler;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A secure scheduler over real TLS on loopback: authentication, the permission table, joining, node authorization. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecureSchedulerTest {
    @TempDir
    Path dir;

    private SecureScheduler scheduler;
    private MemoryStore store;
    private SchedulerServer server;
    private X509Certificate ca;
    private String management;

    @BeforeEach
    void start() throws Exception {
        scheduler = SecureScheduler.start(dir);
        store = scheduler.store;
        server = scheduler.server;
        ca = scheduler.ca;
        management = scheduler.management;
    }

    @AfterEach
    void stop() {
        scheduler.close();
    }

    private ManagedChannel channel(Transport transport) {
        return scheduler.channel(transport);
    }

    private ManagedChannel anonymous() {
        return scheduler.anonymous();
    }

    private ManagedChannel withToken(String token) {
        return scheduler.withToken(token);
    }

    @Test
    void everyMethodOfEveryServedServiceHasOnePermissionEntry() {
        PermissionTable table = PermissionTable.scheduler();
        List<String> missing = new ArrayList<>();
        int methods = 0;
        for (ServerServiceDefinition service : server.services()) {
            for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
                methods++;
                String name = m.getMethodDescriptor().getFullMethodName();
                if (table.rule(name).isEmpty()) missing.add(name);
            }
        }
        assertThat(methods).isGreaterThan(30);
        assertThat(missing).as("methods without a permission entry").isEmpty();
    }

    @Test
    void everyMethodWithoutCredentialsIsRefusedAsUnauthenticated() throws Exception {
        PermissionTable table = PermissionTable.scheduler();
        ManagedChannel channel = anonymous();
        int checked = 0;
        for (ServerServiceDefinition service : server.services()) {
            for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
                MethodDescriptor<?, ?> md = m.getMethodDescriptor();
                Status status = callOnce(channel, md, new Metadata());
                if (table.rule(md.getFullMethodName()).orElseThrow() instanceof Rule.Public) {
                    // Joining needs a valid token, and ACLs were bootstrapped: neither lets an empty request through.
                    assertThat(status.getCode()).as(md.getFullMethodName())
                            .isIn(Status.Code.UNAUTHENTICATED, Status.Code.FAILED_PRECONDITION);
                } else {
                    assertThat(status.getCode()).as(md.getFullMethodName()).isEqualTo(Status.Code.UNAUTHENTICATED);
                }
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(30);
    }

    /** One call of any kind with the request type's default message; the status it ends with. */
    @SuppressWarnings("unchecked")
    private static <Q, R> Status callOnce(ManagedChannel channel, MethodDescriptor<Q, R> md, Metadata headers) throws Exception {
        var marshaller = (MethodDescriptor.PrototypeMarshaller<Q>) md.getRequestMarshaller();
        Q request = (Q) ((Message) marshaller.getMessagePrototype()).getDefaultInstanceForType();
        ClientCall<Q, R> call = channel.newCall(md, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
        CompletableFuture<Status> closed = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, headers);
        call.request(1);
        call.sendMessage(request);
        call.halfClose();
        Status s = closed.get(15, TimeUnit.SECONDS);
        if (s.isOk()) throw new AssertionError(md.getFullMethodName() + " answered OK");
        return s;
    }

    @Test
    void aPlaintextClientIsRefused() {
        ManagedChannel plain = channel(Transport.plaintext());
        assertThatThrownBy(() -> NodeServiceGrpc.newBlockingStub(plain).withDeadlineAfter(10, TimeUnit.SECONDS)
                .list(ListNodesRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void aClientTrustingAnotherCaRefusesTheSchedulerAndACertificateFromAnotherCaIsRefused() throws Exception {
        ClusterCa other = ClusterCa.create(Clock.systemUTC());
        KeyPair pair = EcKeys.generate();
        X509Certificate foreignNode = other.issueNode(pair.getPublic(), "n1", Duration.ofHours(1));
        ManagedChannel trustsOther = channel(Transport.mutualTls(TlsMaterial.trustOnly(other.certificate())));
        assertThatThrownBy(() -> NodeServiceGrpc.newBlockingStub(trustsOther).withDeadlineAfter(10, TimeUnit.SECONDS)
                .list(ListNodesRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        // Trusts our CA but holds another CA's node certificate: the server names the CA it accepts, so the
        // client presents nothing and is anonymous; the node's stream is refused.
        ManagedChannel foreign = channel(Transport.mutualTls(TlsMaterial.of(ca, pair.getPrivate(), List.of(foreignNode),
                TlsMaterial.ClientAuth.NONE)));
        assertThatThrownBy(() -> NodeServiceGrpc.newBlockingStub(foreign).withDeadlineAfter(10, TimeUnit.SECONDS)
                .list(ListNodesRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(register(foreign, "n1").getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void aTokenForOneNamespaceCannotReadAnotherOrEveryNamespace() {
        var acl = AclServiceGrpc.newBlockingStub(withToken(management));
        acl.applyPolicy(AclPolicy.newBuilder().setName("team-a")
                .addNamespaces(NamespaceRule.newBuilder().setNamespace("a").addAllow("read").addAllow("secrets")).build());
        String token = acl.createToken(CreateAclTokenRequest.newBuilder().addPolicies("team-a").build()).getSecret();
        ManagedChannel ch = withToken(token);
        var jobs = JobServiceGrpc.newBlockingStub(ch);
        // Allowed in a (the job does not exist), refused in b and across all namespaces.
        assertThatThrownBy(() -> jobs.get(GetJobRequest.newBuilder().setNamespace("a").setName("web").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> jobs.get(GetJobRequest.newBuilder().setNamespace("b").setName("web").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).contains("read", "namespace \"b\"");
                });
        assertThat(jobs.list(ListJobsRequest.newBuilder().setNamespace("a").build()).getJobsCount()).isZero();
        assertThatThrownBy(() -> jobs.list(ListJobsRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> SecretServiceGrpc.newBlockingStub(ch).list(ListSecretsRequest.newBuilder().setNamespace("b").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        // No cluster capability: nodes and ACLs are refused.
        assertThatThrownBy(() -> NodeServiceGrpc.newBlockingStub(ch).list(ListNodesRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> AclServiceGrpc.newBlockingStub(ch).createToken(CreateAclTokenRequest.newBuilder().setManagement(true).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }

    @Test
    void aRevokedTokenIsRefusedFromTheNextCall() throws Exception {
        var acl = AclServiceGrpc.newBlockingStub(withToken(management));
        var created = acl.createToken(CreateAclTokenRequest.newBuilder().setManagement(true).setDescription("ci").build());
        var nodes = NodeServiceGrpc.newBlockingStub(withToken(created.getSecret()));
        assertThat(nodes.list(ListNodesRequest.getDefaultInstance()).getNodesCount()).isZero();
        acl.revokeToken(dev.gantry.api.v1.RevokeAclTokenRequest.newBuilder().setAccessor(created.getToken().getAccessor()).build());
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(10), "revocation seen", () -> {
            try {
                nodes.list(ListNodesRequest.getDefaultInstance());
                return false;
            } catch (StatusRuntimeException e) {
                return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
            }
        });
    }

    @Test
    void malformedHugeAndRandomAuthorizationHeadersAreRefusedAndTheServerKeepsAnswering() throws Exception {
        Random random = new Random(42);
        ManagedChannel ch = anonymous();
        var md = NodeServiceGrpc.getListMethod();
        List<String> headers = new ArrayList<>(List.of("", "Bearer", "Bearer ", "bearer x", "Basic abc", "Bearer gantry-acl-v1.",
                "Bearer " + "A".repeat(5000), "Bearer gantry-acl-v1." + "x".repeat(43)));
        for (int i = 0; i < 200; i++) {
            StringBuilder b = new StringBuilder(random.nextBoolean() ? "Bearer " : "");
            int n = random.nextInt(300);
            for (int j = 0; j < n; j++) b.append((char) (0x20 + random.nextInt(0x5f)));
            headers.add(b.toString());
        }
        for (String h : headers) {
            Metadata m = new Metadata();
            m.put(Transport.AUTHORIZATION, h);
            Status s = callOnce(ch, md, m);
            assertThat(s.getCode()).as("header %s", h.length() > 60 ? h.substring(0, 60) + "..." : h).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
        Metadata two = new Metadata();
        two.put(Transport.AUTHORIZATION, "Bearer " + management);
        two.put(Transport.AUTHORIZATION, "Bearer " + management);
        assertThat(callOnce(ch, md, two).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(NodeServiceGrpc.newBlockingStub(withToken(management)).list(ListNodesRequest.getDefaultInstance()).getNodesCount()).isZero();
    }

    @Test
    void joiningNeedsAValidTokenAndGivesACertificateThatNamesOnlyThatNode() throws Exception {
        var tokens = JoinTokenServiceGrpc.newBlockingStub(withToken(management));
        String token = tokens.create(CreateJoinTokenRequest.newBuilder().setRole("agent").setTtlSeconds(600).build()).getToken();
        ManagedChannel pinned = channel(Transport.pinnedCa(JoinToken.parse(token).caFingerprint()));
        var cluster = ClusterServiceGrpc.newBlockingStub(pinned);
        KeyPair pair = EcKeys.generate();
        ByteString csr = ByteString.copyFrom(Csr.create(pair, "node-1"));

        String wrong = JoinToken.create(JoinToken.parse(token).caFingerprint()).encoded();
        String otherCluster = JoinToken.create(ClusterCa.create(Clock.systemUTC()).fingerprint()).encoded();
        for (String bad : List.of(wrong, otherCluster, "not-a-token", "")) {
            assertThatThrownBy(() -> cluster.join(JoinRequest.newBuilder().setToken(bad).setNodeId("node-1").setCsrDer(csr).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        }
        // A client that pins another CA's fingerprint never sends its token: the handshake fails first.
        ManagedChannel pinnedElsewhere = channel(Transport.pinnedCa(JoinToken.parse(otherCluster).caFingerprint()));
        assertThatThrownBy(() -> ClusterServiceGrpc.newBlockingStub(pinnedElsewhere)
                .join(JoinRequest.newBuilder().setToken(token).setNodeId("node-1").setCsrDer(csr).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

        JoinResponse joined = cluster.join(JoinRequest.newBuilder().setToken(token).setNodeId("node-1").setCsrDer(csr).build());
        X509Certificate cert = Pem.decodeCertificate(joined.getCertificatePem());
        ManagedChannel asNode = channel(Transport.mutualTls(TlsMaterial.of(ca, pair.getPrivate(), List.of(cert, ca), TlsMaterial.ClientAuth.NONE)));

        // A node may speak only for itself on the agent stream, and may not use the API.
        assertThat(register(asNode, "node-2").getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThatThrownBy(() -> NodeServiceGrpc.newBlockingStub(asNode).list(ListNodesRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        CompletableFuture<SchedulerMessage> registered = new CompletableFuture<>();
        var stream = AgentServiceGrpc.newStub(asNode).connect(new StreamObserver<>() {
            @Override
            public void onNext(SchedulerMessage m) {
                if (m.hasRegistered()) registered.complete(m);
            }

            @Override
            public void onError(Throwable t) {
                registered.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        stream.onNext(AgentMessage.newBuilder().setRegister(Node.newBuilder().setId("node-1").setName("n1").setAddress("127.0.0.1:1")).build());
        assertThat(registered.get(10, TimeUnit.SECONDS).getRegistered().getNodeId()).isEqualTo("node-1");

        // The same id cannot join a second time; a renewal with the node's certificate works.
        KeyPair second = EcKeys.generate();
        assertThatThrownBy(() -> cluster.join(JoinRequest.newBuilder().setToken(token).setNodeId("node-1")
                .setCsrDer(ByteString.copyFrom(Csr.create(second, "node-1"))).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
        JoinResponse renewed = ClusterServiceGrpc.newBlockingStub(asNode)
                .renewCertificate(RenewCertificateRequest.newBuilder().setCsrDer(ByteString.copyFrom(Csr.create(second, "x"))).build());
        assertThat(dev.gantry.api.security.PeerIdentity.nodeId(Pem.decodeCertificate(renewed.getCertificatePem()))).contains("node-1");

        // Removed: its session ends and its certificate is refused from then on.
        ClusterServiceGrpc.newBlockingStub(withToken(management)).removeNode(RemoveNodeRequest.newBuilder().setNode("node-1").build());
        ManagedChannel again = channel(Transport.mutualTls(TlsMaterial.of(ca, pair.getPrivate(), List.of(cert, ca), TlsMaterial.ClientAuth.NONE)));
        assertThat(register(again, "node-1").getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    /** Opens an agent stream, registers as {@code nodeId}, and returns how the stream ended (OK if it was answered). */
    private static Status register(ManagedChannel channel, String nodeId) throws Exception {
        CompletableFuture<Status> result = new CompletableFuture<>();
        var stream = AgentServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(SchedulerMessage m) {
                if (m.hasRegistered()) result.complete(Status.OK);
            }

            @Override
            public void onError(Throwable t) {
                result.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                result.complete(Status.OK);
            }
        });
        stream.onNext(AgentMessage.newBuilder().setRegister(Node.newBuilder().setId(nodeId).setName(nodeId).setAddress("127.0.0.1:1")).build());
        Status s = result.get(10, TimeUnit.SECONDS);
        stream.onCompleted();
        return s;
    }

    @Test
    void bootstrapRunsOnce() {
        assertThatThrownBy(() -> AclServiceGrpc.newBlockingStub(anonymous()).bootstrap(dev.gantry.api.v1.AclBootstrapRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    @Test
    void aSecondReplicaWithTheClusterKeyOpensTheSameCaAndOneWithAnotherKeyRefusesToStart() throws Exception {
        try (SchedulerServer second = SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"),
                new SchedulerSecurity.Settings(dir.resolve("cluster.key"), List.of(), Duration.ofMinutes(10)))) {
            assertThat(second.caCertificate()).contains(ca);
        }
        assertThatThrownBy(() -> SchedulerServer.start(store, new SchedulerServer.Config("127.0.0.1", 0, -1, "/gantry/"),
                new SchedulerSecurity.Settings(dir.resolve("other.key"), List.of(), Duration.ofMinutes(10))))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("another cluster key");
        // The CA's private key is not in the store in the clear.
        var stored = store.get("/gantry/security/ca").get(5, TimeUnit.SECONDS).orElseThrow();
        assertThat(new String(stored.value(), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("PRIVATE KEY");
    }

    /** Joins {@code nodeId} through a fresh join token and returns a channel that presents its certificate. */
    private ManagedChannel joined(String nodeId) {
        String token = JoinTokenServiceGrpc.newBlockingStub(withToken(management))
                .create(CreateJoinTokenRequest.newBuilder().setRole("agent").build()).getToken();
        KeyPair pair = EcKeys.generate();
        JoinResponse r = ClusterServiceGrpc.newBlockingStub(channel(Transport.pinnedCa(JoinToken.parse(token).caFingerprint())))
                .join(JoinRequest.newBuilder().setToken(token).setNodeId(nodeId)
                        .setCsrDer(ByteString.copyFrom(Csr.create(pair, nodeId))).build());
        return channel(Transport.mutualTls(TlsMaterial.of(ca, pair.getPrivate(),
                List.of(Pem.decodeCertificate(r.getCertificatePem()), ca), TlsMaterial.ClientAuth.NONE)));
    }

    @Test
    void aNodeCannotReportOnAnotherNodesAllocation() throws Exception {
        var a = new dev.gantry.scheduler.testing.ScriptedAgent(joined("node-a"), "node-a", "10.0.0.1", 4096);
        var b = new dev.gantry.scheduler.testing.ScriptedAgent(joined("node-b"), "node-b", "10.0.0.2", 4096);
        var jobs = JobServiceGrpc.newBlockingStub(withToken(management));
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(10), "both nodes registered",
                () -> NodeServiceGrpc.newBlockingStub(withToken(management)).list(ListNodesRequest.getDefaultInstance()).getNodesCount() == 2);
        jobs.submit(dev.gantry.api.v1.SubmitJobRequest.newBuilder().setJob(dev.gantry.api.v1.Job.newBuilder().setName("web").setCount(2)
                .addConstraints(dev.gantry.api.v1.Constraint.newBuilder().setDistinctHosts(true))
                .addTasks(dev.gantry.api.v1.Task.newBuilder().setName("web").setImage("file:/web.tar")
                        .setResources(dev.gantry.api.v1.Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20)))).build());
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(10), "one allocation on each node",
                () -> a.latest().size() == 1 && b.latest().size() == 1);
        var ofA = a.latest().get(0);
        var ofB = b.latest().get(0);
        // On b's one ordered stream: a claim about a's allocation, then a report about its own.
        b.report(ofA, dev.gantry.api.v1.ClientStatus.CLIENT_FAILED, java.util.Map.of());
        b.reportRunning(ofB);
        var allocations = dev.gantry.api.v1.AllocationServiceGrpc.newBlockingStub(withToken(management));
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(10), "b's own report applied", () -> allocations.get(
                dev.gantry.api.v1.GetAllocationRequest.newBuilder().setId(ofB.getAllocation().getId()).build())
                .getAllocation().getClientStatus() == dev.gantry.api.v1.ClientStatus.CLIENT_RUNNING);
        assertThat(allocations.get(dev.gantry.api.v1.GetAllocationRequest.newBuilder().setId(ofA.getAllocation().getId()).build())
                .getAllocation().getClientStatus()).isNotEqualTo(dev.gantry.api.v1.ClientStatus.CLIENT_FAILED);
    }

    @Test
    void mutatingCallsAreAuditedWithWhoWhatAndResultAndStreamedAsEvents() throws Exception {
        var received = new java.util.concurrent.LinkedBlockingQueue<dev.gantry.api.v1.Event>();
        dev.gantry.api.v1.EventServiceGrpc.newStub(withToken(management)).events(dev.gantry.api.v1.EventsRequest.getDefaultInstance(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(dev.gantry.api.v1.Event e) {
                        if (e.getKind().equals("audit.call")) received.add(e);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(10), "event stream open", () -> server.openEventStreams() == 1);
        var acl = AclServiceGrpc.newBlockingStub(withToken(management));
        acl.applyPolicy(AclPolicy.newBuilder().setName("reader")
                .addNamespaces(NamespaceRule.newBuilder().setNamespace("a").addAllow("read")).build());
        String reader = acl.createToken(CreateAclTokenRequest.newBuilder().addPolicies("reader").setDescription("ro").build()).getSecret();
        assertThatThrownBy(() -> JobServiceGrpc.newBlockingStub(withToken(reader)).stop(
                dev.gantry.api.v1.StopJobRequest.newBuilder().setNamespace("a").setName("web").build()))
                .isInstanceOf(StatusRuntimeException.class);
        List<String> messages = new ArrayList<>();
        while (messages.size() < 3) {
            var e = received.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("audit events so far: %s", messages).isNotNull();
            messages.add(e.getNamespace() + "|" + e.getMessage());
        }
        assertThat(messages.get(0)).contains("management", "AclService/ApplyPolicy -> OK");
        assertThat(messages.get(1)).contains("AclService/CreateToken -> OK");
        assertThat(messages.get(2)).startsWith("a|").contains("(ro)", "JobService/Stop -> PERMISSION_DENIED", "may not operate");
        // Reads are not audited; the records are in the store for every replica.
        assertThat(store.range("/gantry/audit/").get(5, TimeUnit.SECONDS).kvs()).hasSize(3);
    }

    @Test
    void anExpiredJoinTokenIsRefused() throws Exception {
        String token = JoinTokenServiceGrpc.newBlockingStub(withToken(management))
                .create(CreateJoinTokenRequest.newBuilder().setRole("agent").setTtlSeconds(1).build()).getToken();
        var cluster = ClusterServiceGrpc.newBlockingStub(channel(Transport.pinnedCa(JoinToken.parse(token).caFingerprint())));
        ByteString csr = ByteString.copyFrom(Csr.create(EcKeys.generate(), "late"));
        Thread.sleep(1200);   // the token's own lifetime, on the server's real clock
        assertThatThrownBy(() -> cluster.join(JoinRequest.newBuilder().setToken(token).setNodeId("late").setCsrDer(csr).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("expired");
                });
    }

    @Test
    void aTokenForOneNamespaceCannotReadAnotherNamespacesLogs() throws Exception {
        var agent = new dev.gantry.scheduler.testing.ScriptedAgent(joined("node-l"), "node-l", "10.0.0.9", 4096);
        var management = JobServiceGrpc.newBlockingStub(withToken(this.management));
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(10), "node registered",
                () -> NodeServiceGrpc.newBlockingStub(withToken(this.management)).list(ListNodesRequest.getDefaultInstance()).getNodesCount() == 1);
        management.submit(dev.gantry.api.v1.SubmitJobRequest.newBuilder().setJob(dev.gantry.api.v1.Job.newBuilder().setNamespace("b")
                .setName("web").setCount(1).addTasks(dev.gantry.api.v1.Task.newBuilder().setName("web").setImage("file:/web.tar")
                        .setResources(dev.gantry.api.v1.Resources.newBuilder().setCpuMillis(100).setMemoryBytes(64 << 20)))).build());
        dev.gantry.testing.Eventually.eventually(Duration.ofSeconds(10), "the allocation assigned", () -> agent.latest().size() == 1);
        String allocation = agent.latest().get(0).getAllocation().getId();

        var acl = AclServiceGrpc.newBlockingStub(withToken(this.management));
        acl.applyPolicy(AclPolicy.newBuilder().setName("a-logs")
                .addNamespaces(NamespaceRule.newBuilder().setNamespace("a").addAllow("read").addAllow("logs")).build());
        ManagedChannel teamA = withToken(acl.createToken(CreateAclTokenRequest.newBuilder().addPolicies("a-logs").build()).getSecret());
        var logs = dev.gantry.api.v1.TaskServiceGrpc.newBlockingStub(teamA).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> logs.logs(dev.gantry.api.v1.LogsRequest.newBuilder().setAllocationId(allocation).build()).hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).contains("logs", "namespace \"b\"");
                });
        assertThatThrownBy(() -> dev.gantry.api.v1.AllocationServiceGrpc.newBlockingStub(teamA)
                .get(dev.gantry.api.v1.GetAllocationRequest.newBuilder().setId(allocation).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }
}
