package io.narthex.alertmanager;

import java.util.List;

/**
 * Alertmanager configurations, valid and invalid, each with what Narthex must answer; Debian's amtool 0.25 is the
 * oracle for all but the two kinds of exception ({@link Expect#FORBIDDEN_BY_MIMIR}, {@link Expect#NEWER_THAN_0_25}).
 */
final class ConfigCorpus {
  enum Expect {
    /** Alertmanager and Narthex accept it. */
    VALID,
    /** Alertmanager and Narthex refuse it. */
    INVALID,
    /** Alertmanager accepts it; Mimir, and so Narthex, refuse it for a tenant: the error names this field. */
    FORBIDDEN_BY_MIMIR,
    /** Alertmanager 0.25 does not know this field yet, newer releases (and Mimir) do; Narthex accepts it. */
    NEWER_THAN_0_25
  }

  /** @param field for {@link Expect#FORBIDDEN_BY_MIMIR}, the field the error must name */
  record Case(String name, String yaml, Expect expect, String field) {
    Case(String name, String yaml, Expect expect) {
      this(name, yaml, expect, null);
    }
  }

  /** A root route to receiver {@code r}, that receiver with {@code receiverBody}, then {@code rest}. */
  private static String withReceiver(String receiverBody, String rest) {
    return "route:\n  receiver: r\nreceivers:\n- name: r\n" + receiverBody.indent(2) + rest;
  }

  private static String withReceiver(String receiverBody) {
    return withReceiver(receiverBody, "");
  }

  /** A root route to {@code r} with one child route holding {@code childBody}. */
  private static String withChildRoute(String childBody) {
    return "route:\n  receiver: r\n  routes:\n  - continue: false\n" + childBody.indent(4) + "receivers:\n- name: r\n";
  }

  private static Case valid(String name, String yaml) {
    return new Case(name, yaml, Expect.VALID);
  }

  private static Case invalid(String name, String yaml) {
    return new Case(name, yaml, Expect.INVALID);
  }

  static final List<Case> CASES = List.of(
      valid("minimal", withReceiver("")),
      valid("fallback", AlertmanagerConfig.DEFAULT_FALLBACK),
      valid("full routing tree", """
          global:
            resolve_timeout: 1m
            smtp_smarthost: 'smtp.example.org:587'
            smtp_from: 'alerts@example.org'
            smtp_require_tls: true
            slack_api_url: 'https://hooks.slack.com/services/x'
            pagerduty_url: 'https://events.pagerduty.com/v2/enqueue'
          route:
            receiver: team
            group_by: [alertname, cluster]
            group_wait: 30s
            group_interval: 5m
            repeat_interval: 4h
            routes:
            - matchers: ['{severity="critical",team=~"db|infra"}', 'env!=dev', 'a:b !~ "x.*"']
              receiver: pager
              continue: true
              group_by: ['...']
              mute_time_intervals: [offhours]
              active_time_intervals: [workdays]
            - match: {service: api}
              match_re: {instance: 'host-[0-9]+'}
              receiver: mail
              routes:
              - matchers: [unquoted=some value]
                receiver: team
                group_wait: 1h30m
          receivers:
          - name: team
            slack_configs:
            - channel: '#alerts'
              title: '{{ .CommonLabels.alertname }}'
              fields: [{title: t, value: v, short: true}]
              actions: [{type: button, text: Runbook, url: 'https://runbook'}]
            webhook_configs:
            - url: 'http://hook.example.org/notify'
              send_resolved: false
              max_alerts: 10
              http_config:
                basic_auth: {username: u, password: p}
                tls_config: {insecure_skip_verify: true, server_name: hook}
                follow_redirects: true
          - name: pager
            pagerduty_configs:
            - routing_key: abc
              severity: critical
              details: {summary: x, log_file: y}
              images: [{src: 'https://img', alt: a, href: 'https://h'}]
              links: [{href: 'https://l', text: t}]
            - service_key: def
          - name: mail
            email_configs:
            - to: 'oncall@example.org'
              headers: {Subject: 'alert', X-Team: db}
          inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [alertname, cluster]
          - source_match: {a: b}
            target_match_re: {c: 'd|e'}
          time_intervals:
          - name: workdays
            time_intervals:
            - times: [{start_time: '09:00', end_time: '17:30'}]
              weekdays: ['monday:friday']
              days_of_month: ['1:5', '-3:-1', '10']
              months: ['january:march', '12']
              years: ['2020:2030']
              location: Europe/Paris
          mute_time_intervals:
          - name: offhours
            time_intervals:
            - times: [{start_time: '00:00', end_time: '24:00'}]
              weekdays: [Saturday, sunday]
          """),
      valid("numbers as names", "route:\n  receiver: 123\nreceivers:\n- name: 123\n"),
      valid("empty matchers", withChildRoute("matchers: ['', '{}']")),
      valid("months past 12, which 0.25 does not check",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - months: ['13']\n")),
      valid("other integrations with their required fields", withReceiver("""
          opsgenie_configs: [{api_key: x}]
          victorops_configs: [{api_key: x, routing_key: y}]
          pushover_configs: [{user_key: x, token: y}]
          sns_configs: [{topic_arn: x}]
          telegram_configs: [{bot_token: x, chat_id: 1}]
          webex_configs: [{room_id: x, http_config: {authorization: {credentials: y}}}]
          discord_configs: [{webhook_url: 'http://x/'}]
          """)),
      valid("yaml merge keys and anchors", withReceiver(
          "webhook_configs:\n- &hook {url: 'http://x/', max_alerts: 1}\n- <<: *hook\n  send_resolved: false")),
      valid("yaml 1.1 booleans, integral floats, a null inhibition rule", withReceiver(
          "webhook_configs: [{url: 'http://x/', send_resolved: no, max_alerts: 5.0}]", "inhibit_rules: [null]\n")),
      valid("RE2 escapes and flags, unquoted and escaped matcher values",
          withChildRoute("matchers: ['a=~\"(?i)\\\\d+\"', 'b = c', 'c=\"x\\\"y\"', 'd=\"b\",']")),
      valid("yaml as Go reads it: plain yes and 1e3 as names, aliases, unquoted clock times, hex, explicit tags, "
          + "a second document ignored", """
          route:
            receiver: 'yes'
            routes:
            - &child {receiver: '1e3', group_wait: 1m}
            - *child
          receivers:
          - name: yes
          - name: 1e3
            webhook_configs: [{url: 'http://x/', max_alerts: 0x10, send_resolved: !!bool 'true'}]
          time_intervals:
          - name: x
            time_intervals:
            - times: [{start_time: 10:00, end_time: 11:00}]
          ---
          bogus: 1
          """),
      invalid("plain integer for a boolean", withReceiver("email_configs: [{to: a, smarthost: 'h:25', from: b, "
          + "require_tls: 1}]")),
      invalid("regex lookahead, which RE2 has not", withChildRoute("matchers: ['a=~\"(?=x)\"']")),
      invalid("matcher list with a bare word", withChildRoute("matchers: ['a=b,c']")),
      invalid("two braced lists in one matcher string", withChildRoute("matchers: ['{a=b}, {c=d}']")),
      invalid("quoted true for a boolean", withReceiver("webhook_configs: [{url: 'http://x/', send_resolved: 'true'}]")),
      invalid("url without host", withReceiver("webhook_configs: [{url: 'http:///x'}]")),
      invalid("smarthost with too many colons", withReceiver("email_configs: [{to: a, smarthost: 'a:b:25', from: b}]")),
      invalid("days of month reversed", withReceiver("",
          "time_intervals:\n- name: x\n  time_intervals:\n  - days_of_month: ['5:1']\n")),
      invalid("webex without authorization", withReceiver("webex_configs: [{room_id: x}]")),
      invalid("slack field without value", withReceiver("slack_configs: [{api_url: 'http://x/', fields: [{title: t}]}]")),
      invalid("authorization type basic", withReceiver(
          "webhook_configs: [{url: 'http://x/', http_config: {authorization: {type: Basic, credentials: x}}}]")),
      invalid("oauth2 without token_url", withReceiver(
          "webhook_configs: [{url: 'http://x/', http_config: {oauth2: {client_id: x, client_secret: y}}}]")),
      invalid("no route", "receivers:\n- name: r\n"),
      invalid("empty file", ""),
      invalid("root route without receiver", "route:\n  group_by: [a]\nreceivers:\n- name: r\n"),
      invalid("root route with matchers", "route:\n  receiver: r\n  matchers: [a=b]\nreceivers:\n- name: r\n"),
      invalid("root route with continue", "route:\n  receiver: r\n  continue: true\nreceivers:\n- name: r\n"),
      invalid("root route with match", "route:\n  receiver: r\n  match: {a: b}\nreceivers:\n- name: r\n"),
      invalid("root route with mute time intervals", withReceiver("", "time_intervals:\n- name: x\n  time_intervals: []\n")
          .replace("  receiver: r\n", "  receiver: r\n  mute_time_intervals: [x]\n")),
      invalid("undefined receiver", withChildRoute("receiver: s")),
      invalid("receiver without name", "route:\n  receiver: r\nreceivers:\n- name: ''\n"),
      invalid("receiver names not unique", "route:\n  receiver: r\nreceivers:\n- name: r\n- name: r\n"),
      invalid("undefined time interval", withChildRoute("mute_time_intervals: [nope]")),
      invalid("time interval names not unique",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals: []\nmute_time_intervals:\n- name: x\n"
              + "  time_intervals: []\n")),
      invalid("group_by wildcard with a label", withChildRoute("group_by: ['...', a]")),
      invalid("group_by duplicate label", withChildRoute("group_by: [a, a]")),
      invalid("group_by invalid label", withChildRoute("group_by: ['a-b']")),
      invalid("group_interval zero", withChildRoute("group_interval: 0s")),
      invalid("repeat_interval zero", withChildRoute("repeat_interval: 0")),
      invalid("duration units out of order", withChildRoute("group_wait: 30m1h")),
      invalid("duration without unit", withChildRoute("group_wait: 5")),
      invalid("duration empty", withChildRoute("group_wait: ''")),
      invalid("resolve_timeout not a duration", "global:\n  resolve_timeout: 5 minutes\n" + withReceiver("")),
      invalid("matcher with unclosed quote", withChildRoute("matchers: ['a=\"b']")),
      invalid("matcher with bad label name", withChildRoute("matchers: ['1a=\"b\"']")),
      invalid("matcher regex does not compile", withChildRoute("matchers: ['a=~\"(\"']")),
      invalid("match with bad label name", withChildRoute("match: {'a-b': c}")),
      invalid("match_re does not compile", withChildRoute("match_re: {a: '(x'}")),
      invalid("inhibit rule matcher does not parse", withReceiver("", "inhibit_rules:\n- source_matchers: ['a=~\"(\"']\n")),
      invalid("inhibit rule equal with bad label", withReceiver("", "inhibit_rules:\n- equal: ['y-z']\n")),
      invalid("inhibit rule target_match_re does not compile",
          withReceiver("", "inhibit_rules:\n- target_match_re: {c: '('}\n")),
      invalid("time range reversed",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - times: [{start_time: '10:00', end_time: '09:00'}]\n")),
      invalid("time not HH:MM",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - times: [{start_time: '9:00', end_time: '10:00'}]\n")),
      invalid("time range without end",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - times: [{start_time: '09:00'}]\n")),
      invalid("unknown weekday", withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - weekdays: [funday]\n")),
      invalid("weekday range reversed",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - weekdays: ['friday:monday']\n")),
      invalid("day of month zero", withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - days_of_month: ['0']\n")),
      invalid("day of month negative to positive",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - days_of_month: ['-1:5']\n")),
      invalid("month abbreviated", withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - months: [dec]\n")),
      invalid("years reversed", withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - years: ['2030:2020']\n")),
      invalid("unknown location",
          withReceiver("", "time_intervals:\n- name: x\n  time_intervals:\n  - location: Mars/Olympus\n")),
      invalid("time interval without name", withReceiver("", "time_intervals:\n- time_intervals: []\n")),
      invalid("webhook without url", withReceiver("webhook_configs: [{send_resolved: true}]")),
      invalid("webhook url without scheme", withReceiver("webhook_configs: [{url: 'not a url'}]")),
      invalid("webhook url ftp", withReceiver("webhook_configs: [{url: 'ftp://x/y'}]")),
      invalid("webhook max_alerts negative", withReceiver("webhook_configs: [{url: 'http://x/', max_alerts: -1}]")),
      invalid("email without to", withReceiver("email_configs: [{smarthost: 'h:25', from: a@b}]")),
      invalid("email without smarthost anywhere", withReceiver("email_configs: [{to: a@b}]")),
      invalid("email without from anywhere", withReceiver("email_configs: [{to: a@b, smarthost: 'h:25'}]")),
      invalid("email smarthost without port", withReceiver("email_configs: [{to: a@b, smarthost: h, from: a@b}]")),
      invalid("email duplicate header",
          withReceiver("email_configs: [{to: a@b, smarthost: 'h:25', from: a@b, headers: {subject: x, Subject: y}}]")),
      invalid("slack without api_url anywhere", withReceiver("slack_configs: [{channel: x}]")),
      invalid("slack action without type", withReceiver("slack_configs: [{api_url: 'http://x/', actions: [{text: x}]}]")),
      invalid("pagerduty without keys", withReceiver("pagerduty_configs: [{severity: x}]")),
      invalid("opsgenie without api key anywhere", withReceiver("opsgenie_configs: [{message: x}]")),
      invalid("http_config bearer token with basic auth",
          withReceiver("webhook_configs: [{url: 'http://x/', http_config: {bearer_token: a, basic_auth: {username: u}}}]")),
      invalid("unknown top-level field", withReceiver("", "bogus: 1\n")),
      invalid("unknown route field", withChildRoute("bogus: 1")),
      invalid("unknown webhook field", withReceiver("webhook_configs: [{url: 'http://x/', bogus: 1}]")),
      invalid("unknown http_config field", withReceiver("webhook_configs: [{url: 'http://x/', http_config: {bogus: 1}}]")),
      invalid("repeated field", "route:\n  receiver: r\n  receiver: r\nreceivers:\n- name: r\n"),
      invalid("not yaml", "route: [\n"),
      new Case("webhook password_file", withReceiver(
          "webhook_configs: [{url: 'http://x/', http_config: {basic_auth: {username: u, password_file: /etc/passwd}}}]"),
          Expect.FORBIDDEN_BY_MIMIR, "password_file"),
      new Case("bearer_token_file", withReceiver(
          "webhook_configs: [{url: 'http://x/', http_config: {bearer_token_file: /etc/token}}]"),
          Expect.FORBIDDEN_BY_MIMIR, "bearer_token_file"),
      new Case("credentials_file", withReceiver(
          "webhook_configs: [{url: 'http://x/', http_config: {authorization: {credentials_file: /etc/c}}}]"),
          Expect.FORBIDDEN_BY_MIMIR, "credentials_file"),
      new Case("proxy_url", withReceiver(
          "webhook_configs: [{url: 'http://x/', http_config: {proxy_url: 'http://proxy:3128'}}]"),
          Expect.FORBIDDEN_BY_MIMIR, "proxy_url"),
      new Case("tls ca_file", withReceiver(
          "webhook_configs: [{url: 'http://x/', http_config: {tls_config: {ca_file: /etc/ca.pem}}}]"),
          Expect.FORBIDDEN_BY_MIMIR, "ca_file"),
      new Case("tls cert_file on email", withReceiver(
          "email_configs: [{to: a@b, smarthost: 'h:25', from: a@b, tls_config: {cert_file: /c, key_file: /k}}]"),
          Expect.FORBIDDEN_BY_MIMIR, "cert_file"),
      new Case("email auth_password_file", withReceiver(
          "email_configs: [{to: a@b, smarthost: 'h:25', from: a@b, auth_password_file: /etc/p}]"),
          Expect.FORBIDDEN_BY_MIMIR, "auth_password_file"),
      new Case("global smtp_auth_password_file", "global:\n  smtp_auth_password_file: /etc/p\n" + withReceiver(""),
          Expect.FORBIDDEN_BY_MIMIR, "smtp_auth_password_file"),
      new Case("slack api_url_file", withReceiver("slack_configs: [{api_url_file: /etc/slack}]"),
          Expect.FORBIDDEN_BY_MIMIR, "api_url_file"),
      new Case("global slack_api_url_file", "global:\n  slack_api_url_file: /etc/slack\n" + withReceiver(""),
          Expect.FORBIDDEN_BY_MIMIR, "slack_api_url_file"),
      new Case("pagerduty routing_key_file", withReceiver("pagerduty_configs: [{routing_key_file: /etc/k}]"),
          Expect.FORBIDDEN_BY_MIMIR, "routing_key_file"),
      new Case("opsgenie api_key_file", withReceiver("opsgenie_configs: [{api_key_file: /etc/k}]"),
          Expect.FORBIDDEN_BY_MIMIR, "api_key_file"),
      new Case("oauth2 client_secret_file", withReceiver("webhook_configs: [{url: 'http://x/', http_config: "
          + "{oauth2: {client_id: c, client_secret_file: /etc/s, token_url: 'http://t/'}}}]"),
          Expect.FORBIDDEN_BY_MIMIR, "client_secret_file"),
      new Case("msteams", withReceiver("msteams_configs: [{webhook_url: 'https://outlook.office.com/webhook/x', "
          + "title: t}]"), Expect.NEWER_THAN_0_25),
      new Case("webhook timeout", withReceiver("webhook_configs: [{url: 'http://x/', timeout: 10s}]"),
          Expect.NEWER_THAN_0_25),
      new Case("inhibit rule name", withReceiver("", "inhibit_rules:\n- name: x\n  equal: [a]\n"),
          Expect.NEWER_THAN_0_25));

  private ConfigCorpus() {}
}
