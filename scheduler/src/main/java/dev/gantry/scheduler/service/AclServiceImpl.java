package dev.gantry.scheduler.service;

import com.google.protobuf.util.Timestamps;
import dev.gantry.api.v1.AclBootstrapRequest;
import dev.gantry.api.v1.AclPolicy;
import dev.gantry.api.v1.AclServiceGrpc;
import dev.gantry.api.v1.AclToken;
import dev.gantry.api.v1.AclTokenSecret;
import dev.gantry.api.v1.CreateAclTokenRequest;
import dev.gantry.api.v1.DeleteAclPolicyRequest;
import dev.gantry.api.v1.ListAclPoliciesRequest;
import dev.gantry.api.v1.ListAclPoliciesResponse;
import dev.gantry.api.v1.ListAclTokensRequest;
import dev.gantry.api.v1.ListAclTokensResponse;
import dev.gantry.api.v1.RevokeAclTokenRequest;
import dev.gantry.api.v1.WhoAmIRequest;
import dev.gantry.api.v1.WhoAmIResponse;
import dev.gantry.scheduler.security.AclSecrets;
import dev.gantry.scheduler.security.AclTokens;
import dev.gantry.scheduler.security.Caller;
import dev.gantry.scheduler.security.Policies;
import dev.gantry.scheduler.security.SecurityRecords;
import dev.gantry.scheduler.state.Keys;
import dev.gantry.scheduler.store.Compare;
import dev.gantry.scheduler.store.Op;
import dev.gantry.scheduler.store.Store;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * ACL policies and tokens. Bootstrap runs once per cluster (a compare on an absent marker key)
 * and yields the first management token; every other call needs acl:write (see the permission
 * table). Secrets are returned once, at creation; only their hashes are stored.
 */
public final class AclServiceImpl extends AclServiceGrpc.AclServiceImplBase {
    private final Store store;
    private final Keys keys;
    private final Clock clock;
    private final SecurityRecords records;

    public AclServiceImpl(Store store, Keys keys, Clock clock, SecurityRecords records) {
        this.store = store;
        this.keys = keys;
        this.clock = clock;
        this.records = records;
    }

    @Override
    public void bootstrap(AclBootstrapRequest request, StreamObserver<AclTokenSecret> out) {
        Rpc.unary(out, () -> AclTokens.bootstrap(store, keys, clock).orElseThrow(() -> Status.FAILED_PRECONDITION
                .withDescription("ACLs were bootstrapped already: use a management token to create others (gantry acl token create)")
                .asRuntimeException()));
    }

    @Override
    public void applyPolicy(AclPolicy request, StreamObserver<AclPolicy> out) {
        Rpc.unary(out, () -> {
            List<String> problems = Policies.problems(request);
            if (!problems.isEmpty()) throw Status.INVALID_ARGUMENT.withDescription(String.join("\n", problems)).asRuntimeException();
            store.txn(List.of(), List.of(Op.put(keys.aclPolicy(request.getName()), request.toByteArray())), List.of())
                    .get(10, TimeUnit.SECONDS);
            return request;
        });
    }

    @Override
    public void listPolicies(ListAclPoliciesRequest request, StreamObserver<ListAclPoliciesResponse> out) {
        Rpc.unary(out, () -> ListAclPoliciesResponse.newBuilder().addAllPolicies(records.policies().values().stream()
                .sorted(Comparator.comparing(AclPolicy::getName)).toList()).build());
    }

    @Override
    public void deletePolicy(DeleteAclPolicyRequest request, StreamObserver<AclPolicy> out) {
        Rpc.unary(out, () -> {
            AclPolicy p = records.policy(request.getName());
            if (p == null) throw Rpc.notFound("no ACL policy named " + request.getName().replaceAll("[^ -~]", "?"));
            store.txn(List.of(), List.of(Op.delete(keys.aclPolicy(request.getName()))), List.of()).get(10, TimeUnit.SECONDS);
            return p;
        });
    }

    @Override
    public void createToken(CreateAclTokenRequest request, StreamObserver<AclTokenSecret> out) {
        Rpc.unary(out, () -> {
            List<String> problems = new ArrayList<>();
            if (request.getManagement() && !(Caller.current() instanceof Caller.TokenHolder t && t.token().getManagement())) {
                problems.add("management: only a management token creates management tokens");
            }
            if (!request.getManagement() && request.getPoliciesCount() == 0) problems.add("policies: name at least one policy");
            for (int i = 0; i < request.getPoliciesCount(); i++) {
                if (records.policy(request.getPolicies(i)) == null) {
                    problems.add("policies[" + i + "]: no policy named \"" + request.getPolicies(i).replaceAll("[^ -~]", "?") + '"');
                }
            }
            if (request.getTtlSeconds() < 0) problems.add("ttl: must not be negative");
            if (request.getDescription().length() > 200) problems.add("description: at most 200 characters");
            if (!problems.isEmpty()) throw Status.INVALID_ARGUMENT.withDescription(String.join("\n", problems)).asRuntimeException();
            String secret = AclSecrets.create();
            AclToken token = AclTokens.token(clock, secret, request.getPoliciesList(), request.getManagement(),
                    request.getDescription(), request.getTtlSeconds());
            store.txn(List.of(), List.of(Op.put(keys.aclToken(AclSecrets.hashHex(secret)), token.toByteArray())), List.of())
                    .get(10, TimeUnit.SECONDS);
            return AclTokenSecret.newBuilder().setSecret(secret).setToken(token.toBuilder().clearSecretHash()).build();
        });
    }

    @Override
    public void listTokens(ListAclTokensRequest request, StreamObserver<ListAclTokensResponse> out) {
        Rpc.unary(out, () -> ListAclTokensResponse.newBuilder().addAllTokens(records.aclTokens().values().stream()
                .map(t -> t.toBuilder().clearSecretHash().build())
                .sorted(Comparator.comparing(t -> Timestamps.toMillis(t.getCreateTime())))
                .toList()).build());
    }

    @Override
    public void revokeToken(RevokeAclTokenRequest request, StreamObserver<AclToken> out) {
        Rpc.unary(out, () -> {
            var found = records.aclTokens().entrySet().stream()
                    .filter(e -> e.getValue().getAccessor().equals(request.getAccessor())).findFirst()
                    .orElseThrow(() -> Rpc.notFound("no ACL token with accessor " + request.getAccessor().replaceAll("[^ -~]", "?")));
            store.txn(List.of(), List.of(Op.delete(keys.aclToken(found.getKey()))), List.of()).get(10, TimeUnit.SECONDS);
            return found.getValue().toBuilder().clearSecretHash().build();
        });
    }

    @Override
    public void whoAmI(WhoAmIRequest request, StreamObserver<WhoAmIResponse> out) {
        Rpc.unary(out, () -> {
            Caller c = Caller.current();
            WhoAmIResponse.Builder b = WhoAmIResponse.newBuilder().setCaller(c.describe());
            if (c instanceof Caller.TokenHolder t) b.setToken(t.token().toBuilder().clearSecretHash());
            return b.build();
        });
    }
}
