package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.template.AlertmanagerTemplates.Data;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import java.io.UnsupportedEncodingException;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code email_configs}, as Alertmanager 0.25's notify/email, through Jakarta Mail (Eclipse Angus Mail): to the
 * {@code smarthost} ({@code host:port}; port 465 is implicit TLS, otherwise STARTTLS when {@code require_tls}, default
 * {@code global.smtp_require_tls}, true), saying {@code hello}, authenticating with PLAIN or LOGIN when
 * {@code auth_username} and {@code auth_password} are set and the server offers AUTH (Angus has no CRAM-MD5, so
 * {@code auth_secret} is not used). From {@code from}, to every address of {@code to}; the headers
 * ({@code Subject} defaults to {@code email.default.subject}, {@code To} and {@code From} to the fields), each
 * rendered, and a multipart/alternative body of the rendered {@code text} then {@code html} (default
 * {@code email.default.html}). Fields left unset take the {@code global.smtp_*} values.
 */
final class EmailNotifier implements Notifier {
  private final JsonNode config;
  private final JsonNode global;
  private final String host;
  private final int port;
  private final Supplier<Firewall> firewall;

  EmailNotifier(JsonNode config, JsonNode global, Supplier<Firewall> firewall) {
    this.config = config;
    this.global = global;
    String smarthost = setting("smarthost", "smtp_smarthost", "");
    int colon = smarthost.lastIndexOf(':');
    this.host = colon < 0 ? smarthost : smarthost.substring(0, colon).replace("[", "").replace("]", "");
    int parsedPort;
    try {
      parsedPort = colon < 0 ? 25 : Integer.parseInt(smarthost.substring(colon + 1));
    } catch (NumberFormatException e) {
      parsedPort = 25; // the config parser refuses such a smarthost
    }
    this.port = parsedPort;
    this.firewall = firewall;
  }

  /** The integration's field, else the global one, else {@code defaultValue}. */
  private String setting(String field, String globalField, String defaultValue) {
    String own = Fields.text(config, field, "");
    return own.isEmpty() ? Fields.text(global, globalField, defaultValue) : own;
  }

  private boolean requireTls() {
    JsonNode own = config.get("require_tls");
    return own != null && !own.isNull() ? Fields.bool(own, true) : Fields.bool(global.get("smtp_require_tls"), true);
  }

  /** The headers to render, by canonical name: the configured ones, with Subject, To and From defaulted. */
  private Map<String, String> headers(String from, String to) {
    Map<String, String> headers = new TreeMap<>();
    JsonNode configured = config.get("headers");
    if (configured != null && configured.isObject()) {
      configured.fields().forEachRemaining(e -> headers.put(canonical(e.getKey()), e.getValue().asText()));
    }
    headers.putIfAbsent("Subject", "{{ template \"email.default.subject\" . }}");
    headers.putIfAbsent("To", to);
    headers.putIfAbsent("From", from);
    return headers;
  }

  /** Go's {@code textproto.CanonicalMIMEHeaderKey}: {@code message-id} is {@code Message-Id}. */
  static String canonical(String key) {
    StringBuilder out = new StringBuilder(key.length());
    boolean upper = true;
    for (char c : key.toCharArray()) {
      out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return out.toString();
  }

  @Override
  public void send(Message m, Duration timeout) throws NotifyException {
    Data data = m.data();
    String fromText = setting("from", "smtp_from", "");
    String toText = Fields.text(config, "to", "");
    String from = m.render("from", fromText, data);
    String to = m.render("to", toText, data);
    InternetAddress[] fromAddresses;
    InternetAddress[] toAddresses;
    try {
      fromAddresses = InternetAddress.parse(from, false);
      toAddresses = InternetAddress.parse(to, false);
    } catch (AddressException e) {
      throw NotifyException.permanent("parse addresses: " + e.getMessage());
    }
    if (fromAddresses.length != 1) {
      throw NotifyException.permanent("must be exactly one 'from' address (got: " + fromAddresses.length + ")");
    }
    firewall.get().check(host, port);

    Session session = Session.getInstance(properties(fromAddresses[0].getAddress(), timeout));
    MimeMessage message = new KeepMessageId(session);
    try {
      for (Map.Entry<String, String> header : headers(fromText, toText).entrySet()) {
        String value = m.render("headers." + header.getKey(), header.getValue(), data);
        message.setHeader(header.getKey(), MimeUtility.fold(header.getKey().length() + 2,
            MimeUtility.encodeText(value, "UTF-8", "Q")));
      }
      message.setSentDate(new Date());
      MimeMultipart alternative = new MimeMultipart("alternative");
      String text = m.render("text", Fields.text(config, "text", ""), data);
      if (!text.isEmpty()) {
        MimeBodyPart part = new MimeBodyPart();
        part.setText(text, "UTF-8", "plain");
        alternative.addBodyPart(part);
      }
      String html = m.render("html", Fields.text(config, "html", "{{ template \"email.default.html\" . }}"), data);
      if (!html.isEmpty()) {
        MimeBodyPart part = new MimeBodyPart();
        part.setText(html, "UTF-8", "html");
        alternative.addBodyPart(part);
      }
      message.setContent(alternative);
      message.saveChanges();
    } catch (MessagingException | UnsupportedEncodingException e) {
      throw NotifyException.permanent("build message: " + e.getMessage());
    }
    String username = setting("auth_username", "smtp_auth_username", "");
    String password = setting("auth_password", "smtp_auth_password", "");
    try (Transport transport = session.getTransport("smtp")) {
      if (!username.isEmpty() && !password.isEmpty()) {
        transport.connect(host, port, username, password);
      } else {
        transport.connect(host, port, null, null);
      }
      transport.sendMessage(message, toAddresses);
    } catch (AuthenticationFailedException e) {
      throw new NotifyException("auth: " + e.getMessage(), true, NotifyException.Reason.OTHER);
    } catch (MessagingException e) {
      throw new NotifyException("send: " + e.getMessage(), true, NotifyException.Reason.OTHER);
    }
  }

  private Properties properties(String envelopeFrom, Duration timeout) {
    Properties p = new Properties();
    String timeoutMs = Long.toString(Math.max(1, timeout.toMillis()));
    p.setProperty("mail.smtp.connectiontimeout", timeoutMs);
    p.setProperty("mail.smtp.timeout", timeoutMs);
    p.setProperty("mail.smtp.writetimeout", timeoutMs);
    p.setProperty("mail.smtp.localhost", setting("hello", "smtp_hello", "localhost"));
    p.setProperty("mail.smtp.from", envelopeFrom);
    boolean implicitTls = port == 465;
    p.setProperty("mail.smtp.ssl.enable", Boolean.toString(implicitTls));
    boolean starttls = !implicitTls && requireTls();
    p.setProperty("mail.smtp.starttls.enable", Boolean.toString(starttls));
    p.setProperty("mail.smtp.starttls.required", Boolean.toString(starttls));
    if (Fields.bool(config.path("tls_config").get("insecure_skip_verify"), false)) {
      p.setProperty("mail.smtp.ssl.trust", "*");
      p.setProperty("mail.smtp.ssl.checkserveridentity", "false");
    } else {
      p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
    }
    String username = setting("auth_username", "smtp_auth_username", "");
    p.setProperty("mail.smtp.auth", Boolean.toString(!username.isEmpty()));
    p.setProperty("mail.smtp.auth.mechanisms", "PLAIN LOGIN");
    String identity = setting("auth_identity", "smtp_auth_identity", "");
    if (!identity.isEmpty()) {
      p.setProperty("mail.smtp.sasl.authorizationid", identity);
    }
    return p;
  }

  /** Keeps a configured {@code Message-Id} header, which Jakarta Mail would replace; else generates one. */
  private static final class KeepMessageId extends MimeMessage {
    KeepMessageId(Session session) {
      super(session);
    }

    @Override
    protected void updateMessageID() throws MessagingException {
      if (getHeader("Message-Id") == null && getHeader("Message-ID") == null) {
        super.updateMessageID();
      }
    }
  }
}
