package io.narthex.alertmanager.notify;

import java.time.Duration;

/** One attempt of one integration to send a notification, as Alertmanager's {@code notify.Notifier}. */
interface Notifier {
  /**
   * @param timeout how long this attempt may take
   * @throws NotifyException when it failed, saying whether to retry
   */
  void send(Message message, Duration timeout) throws NotifyException;
}
