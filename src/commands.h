/*
 * commands.h — the one table of staff commands, each with an English and
 * a Chinese word (DESIGN §5): /claim 认领, /note 备注, /reply 回复,
 * /resolve 办结, /transfer 转派, /feedback 反馈, /case 查看, /mine 我的,
 * /open 待办, /report 统计, /help 帮助, plus /cancel 撤销, /reopen 重开,
 * /overdue 逾期, /new 代录, /wait 等待 and /add 补录.
 *
 * Parsing is pure and runs before the load round trip, so the engine
 * knows which case to load; running a command is pure too and turns into
 * replies and case operations (engine.h).
 */
#ifndef WL_COMMANDS_H
#define WL_COMMANDS_H

#include <stdbool.h>

#include "config.h"
#include "engine.h"

/* The list a command reads from the case indexes: none, the unclaimed
 * cases (the CMD_LIST_MAX oldest), the staff member's own (the same), or
 * every open case (new, claimed, resolved: the CMD_LIST_OPEN_MAX oldest,
 * for 逾期 and 统计). The counts of each status come with any list. */
enum cmd_list { CMD_LIST_NONE = 0, CMD_LIST_NEW, CMD_LIST_MINE, CMD_LIST_OPEN };
#define CMD_LIST_MAX	  10
#define CMD_LIST_OPEN_MAX 2000

struct cmd_def;

struct cmd_parsed {
	const struct cmd_def *def;
	char no[24];	  /* the case number, "" when none or not a number */
	char word[64];	  /* the command word as typed */
	const char *args; /* after the case number (borrowed from text) */
	bool bad_no;	  /* something stood where the number should be */
};

struct cmd_def {
	const char *en;
	const char *zh;
	const char *alias; /* another Chinese word, or NULL */
	enum cmd_list list;
	bool needs_case;
	const char *usage;
	int (*run)(const struct cmd_parsed *p, const struct wl_staff *st,
		   const struct engine_in *in, struct engine_out *out);
};

/* Is text a staff command? "/claim 1042", "认领 1042", "认领1042". */
bool cmd_parse(const char *text, struct cmd_parsed *out);
int cmd_run(const struct cmd_parsed *p, const struct wl_staff *st,
	    const struct engine_in *in, struct engine_out *out);
/* The list of commands (帮助). */
int cmd_help(const struct wl_staff *st, const struct engine_in *in,
	     struct engine_out *out);

/* A brief answer for staff who typed something that is no command. */
int cmd_unknown(const struct wl_staff *st, const struct engine_in *in,
		struct engine_out *out);

#endif
