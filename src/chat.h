/*
 * chat.h — `warmline chat`: a terminal client for trying the daemon with
 * no messaging account. It speaks the generic channel: it POSTs signed
 * messages to /hook/{channel} and listens on the channel's callback_url
 * for the daemon's signed replies.
 */
#ifndef WL_CHAT_H
#define WL_CHAT_H

int chat_main(int argc, char **argv);

#endif
