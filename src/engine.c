/*
 * engine.c — the step from one inbound message to its effects (see
 * engine.h). Until the flow engine answers, a resident gets the
 * configured acknowledgement, so the whole path is real end to end.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "wl.h"

#define ENGINE_QUOTE_CHARS 60

void engine_out_init(struct engine_out *o)
{
	o->session = NULL;
	o->out = json_array();
}

void engine_out_release(struct engine_out *o)
{
	free(o->session);
	json_decref(o->out);
	o->session = NULL;
	o->out = NULL;
}

int engine_say(const struct wl_config *cfg, json_t *out,
	       const char *channel, const char *to, const char *text)
{
	const struct wl_channel_conf *ch = config_channel(cfg, channel);
	const struct chan_adapter *ad = ch ? chan_find(ch->type) : NULL;
	char **parts = NULL;
	size_t n;
	int rc = WL_OK;

	if (!ad)
		return WL_EINTERNAL;
	if (!ad->max_units || !ad->unit) {
		if (json_array_append_new(out, json_pack("{s:s, s:s, s:s}",
							 "channel", channel,
							 "to", to, "text",
							 text)))
			return WL_ENOMEM;
		return WL_OK;
	}
	n = text_split(text, ad->max_units, ad->unit, &parts);
	for (size_t i = 0; i < n && rc == WL_OK; i++)
		if (json_array_append_new(out, json_pack("{s:s, s:s, s:s}",
							 "channel", channel,
							 "to", to, "text",
							 parts[i])))
			rc = WL_ENOMEM;
	text_parts_free(parts, n);
	return rc;
}

/* Expand {name} and {text} in the acknowledgement template. */
static char *engine_ack(const char *tpl, const char *name, const char *text)
{
	struct buf b = BUF_INIT;
	size_t quote = text_utf8_prefix(text, strlen(text), ENGINE_QUOTE_CHARS);

	for (const char *p = tpl; *p;) {
		if (strncmp(p, "{name}", 6) == 0) {
			if (name && *name)
				buf_adds(&b, name);
			p += 6;
		} else if (strncmp(p, "{text}", 6) == 0) {
			buf_add(&b, text, quote);
			if (quote < strlen(text))
				buf_adds(&b, "…");
			p += 6;
		} else {
			buf_add(&b, p, 1);
			p++;
		}
	}
	return buf_detach(&b, NULL);
}

int engine_step(const struct engine_in *in, struct engine_out *out)
{
	const struct chan_msg *m = in->msg;
	const char *name = m->name ? m->name : in->contact_name;
	char *reply = NULL;
	int rc;

	out->session = strdup(in->session);
	if (!out->session || !out->out)
		return WL_ENOMEM;
	if (!m->text) {
		/* A photo or a voice note: say plainly what we can read. */
		return engine_say(in->cfg, out->out, in->ch->id, m->from,
				  "抱歉，目前只能识别文字消息。请用文字告诉我们"
				  "您遇到的困难，或回复“人工”。");
	}
	reply = engine_ack(in->cfg->ack_template, name, m->text);
	if (!reply)
		return WL_ENOMEM;
	rc = engine_say(in->cfg, out->out, in->ch->id, m->from, reply);
	free(reply);
	return rc;
}
