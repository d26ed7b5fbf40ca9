// A first search from Java 11+ with Bouncy Castle (bcprov) for SM2 and the JDK's HttpClient.
//
//   javac -cp bcprov.jar -d out FirstSearch.java
//   YSJ_BASE_URL=http://127.0.0.1:8000 YSJ_HUB_PUBLIC_KEY=04... YSJ_APP_ID=app-sh-counter \
//   YSJ_APP_SECRET=... YSJ_CORP_NAME=... YSJ_CORP_CODE=... YSJ_KEY_FILE=var/keys/apps/app-sh-counter.key \
//   YSJ_HOLDER_ID_NO=... YSJ_HOLDER_NAME=... YSJ_ITEM_CODE=... java -cp bcprov.jar:out FirstSearch
//
// 12.2.1 registers the application, 12.2.3 obtains the holder's trusted token, 12.1.5 searches.
// Prints one line per certificate: "certificate<TAB>number<TAB>type". A real system would use a
// JSON library; the few fields read here are taken out of the decrypted JSON with a pattern.

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.util.encoders.Hex;

public class FirstSearch {
    static final X9ECParameters CURVE = GMNamedCurves.getByName("sm2p256v1");
    static final ECDomainParameters DOMAIN =
        new ECDomainParameters(CURVE.getCurve(), CURVE.getG(), CURVE.getN(), CURVE.getH());
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static String base, appId, accessToken;
    static ECPublicKeyParameters hubKey;
    static ECPrivateKeyParameters ownKey;

    static String setting(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            System.err.println("missing " + name);
            System.exit(2);
        }
        return value;
    }

    /** SM2 encryption to the hub: Bouncy Castle writes C1 with its 04 prefix, then C3, then C2. */
    static String encrypt(String plaintext) throws InvalidCipherTextException {
        SM2Engine engine = new SM2Engine(SM2Engine.Mode.C1C3C2);
        engine.init(true, new ParametersWithRandom(hubKey, new SecureRandom()));
        byte[] data = plaintext.getBytes(StandardCharsets.UTF_8);
        return Hex.toHexString(engine.processBlock(data, 0, data.length)).toUpperCase();
    }

    /** Bouncy Castle checks C3 and throws when it does not match. */
    static String decrypt(String hex) throws InvalidCipherTextException {
        SM2Engine engine = new SM2Engine(SM2Engine.Mode.C1C3C2);
        engine.init(false, ownKey);
        byte[] data = Hex.decode(hex);
        return new String(engine.processBlock(data, 0, data.length), StandardCharsets.UTF_8);
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') out.append('\\').append(c);
            else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
            else out.append(c);
        }
        return out.append('"').toString();
    }

    static String json(Map<String, Object> fields) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            if (out.length() > 1) out.append(',');
            Object value = field.getValue();
            out.append(quote(field.getKey())).append(':')
               .append(value instanceof Number ? value.toString() : quote(value.toString()));
        }
        return out.append('}').toString();
    }

    static String field(String json, String name) {
        // JSON allows spaces around the colon (the hub's envelope has one): match with or without.
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return m.find() ? m.group(1) : "";
    }

    /** One section-12 call; the outcome is head.status, whatever the HTTP status. */
    static String call(String path, Map<String, Object> params) throws Exception {
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("accountId", appId);
        if (accessToken != null) head.put("accessToken", accessToken);
        String body = "{\"head\":" + json(head) + ",\"encryptData\":" + quote(encrypt(json(params))) + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json; charset=utf-8")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
        String answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
        String status = field(answer, "status");
        if (!"0".equals(status)) {
            System.err.println(path + ": " + status + " " + field(answer, "message"));
            System.exit(1);
        }
        return decrypt(field(answer, "encryptData"));
    }

    public static void main(String[] args) throws Exception {
        base = setting("YSJ_BASE_URL").replaceAll("/$", "");
        appId = setting("YSJ_APP_ID");
        hubKey = new ECPublicKeyParameters(CURVE.getCurve().decodePoint(Hex.decode(setting("YSJ_HUB_PUBLIC_KEY"))), DOMAIN);
        String keyHex = Files.readAllLines(Path.of(setting("YSJ_KEY_FILE"))).stream()
            .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst().orElseThrow();
        ownKey = new ECPrivateKeyParameters(new BigInteger(keyHex, 16), DOMAIN);

        Map<String, Object> register = new LinkedHashMap<>();
        register.put("appId", appId);
        register.put("appSecret", setting("YSJ_APP_SECRET"));
        register.put("corpName", setting("YSJ_CORP_NAME"));
        register.put("corpCode", setting("YSJ_CORP_CODE"));
        accessToken = field(call("/api/v1/trust/apps/register", register), "accessToken");

        Map<String, Object> holder = new LinkedHashMap<>();
        holder.put("transactionId", UUID.randomUUID().toString());
        holder.put("authType", "2");
        holder.put("idType", 1);
        holder.put("idNo", setting("YSJ_HOLDER_ID_NO"));
        holder.put("name", System.getenv().getOrDefault("YSJ_HOLDER_NAME", ""));
        String trustedToken = field(call("/api/v1/trust/holder-tokens", holder), "trustedToken");

        Map<String, Object> search = new LinkedHashMap<>();
        search.put("trustedToken", trustedToken);
        search.put("useFor", "办理跨省通办业务");
        search.put("itemName", setting("YSJ_ITEM_CODE"));
        search.put("itemCode", setting("YSJ_ITEM_CODE"));
        search.put("itemOrg", setting("YSJ_CORP_NAME"));
        search.put("operator", "窗口工作人员");
        search.put("bizNum", "JAVA-" + UUID.randomUUID());
        String found = call("/api/v1/certificates/search", search);
        Matcher item = Pattern.compile("\\{[^{}]*\"certificateNumber\"[^{}]*\\}").matcher(found);
        while (item.find()) {
            String entry = item.group();
            System.out.println("certificate\t" + field(entry, "certificateNumber") + "\t" + field(entry, "certificateType"));
        }
    }
}
