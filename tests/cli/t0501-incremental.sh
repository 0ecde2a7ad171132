#!/bin/sh
# Incremental equals full: random sequences of edits to a generated blog
# (bodies, titles, dates, tags, pages added, deleted and renamed, comments,
# a template, a plugin, the configuration, a file's modification date),
# and after each step the incremental build's output must be byte for byte
# a full rebuild's. Modification dates matter to lists two ways: a list
# sorted by them, and an archive whose template shows them.
#
# INCREMENTAL_STEPS (default 30) and INCREMENTAL_SEEDS (default "1 2 3")
# size the run.
. "$(dirname "$0")/lib.sh"

export SOURCE_DATE_EPOCH=1700000000 TZ=UTC
steps=${INCREMENTAL_STEPS:-30}
seeds=${INCREMENTAL_SEEDS:-"1 2 3"}

# A random number in [0, $1), from the seeded stream in $T/rand.
rnd() {
	r=$(head -n 1 "$T/rand")
	sed -i 1d "$T/rand"
	echo $((r % $1))
}

# A full rebuild of a copy of the site in $T/full; its exit status.
full_build() {
	rm -rf "$T/full" && cp -a "$S" "$T/full" && rm -rf "$T/full/public" "$T/full/.weft"
	"$WEFT" build -q --rebuild "$T/full" >/dev/null 2>&1
}

# Whether the site's output is a full rebuild's.
same_as_full() {
	full_build
	diff -r "$S/public" "$T/full/public" >/dev/null
}

post() {	# post N TITLE DATE TAGS...
	f=$S/posts/p$1.mdwn
	num=$1 title=$2 date=$3
	shift 3
	{
		echo "[[!meta title=\"$title\"]]"
		echo "[[!meta date=\"$date\"]]"
		[ $# -gt 0 ] && echo "[[!tag $*]]"
		echo
		echo "Post $num says hello. See [[p$(( (num + 1) % 12 ))]] and [[foo]]."
		echo
		echo '```'
		echo "code with [[not a link]] $num"
		echo '```'
	} >"$f"
}

make_site() {
	rm -rf "$S" && mkdir -p "$S/posts" "$S/plugins" "$S/templates"
	cat >"$S/weft.yaml" <<'X'
wikiname: Random blog
url: http://example.org/
srcdir: .
destdir: public
html5: 1
timeformat: '%Y-%m-%d'
tagbase: tags
rss: 1
atom: 1
global_sidebars: 1
comments_pagespec: posts/*
archivebase: archives
archive_pagespec: page(posts/*)
calendar_autocreate: 1
add_plugins: [goodstuff, comments, sidebar, calendar, stamp]
X
	cat >"$S/index.mdwn" <<'X'
Newest:

[[!inline pages="page(posts/*)" show="5"]]
X
	cat >"$S/sidebar.mdwn" <<'X'
[[!pagestats pages="tags/*" style="list"]]

[[!map pages="posts/*"]]
X
	printf 'All: [[!inline pages="posts/*" archive="yes"]]\n' >"$S/all.mdwn"
	printf 'Oldest: [[!inline pages="posts/*" archive="yes" sort="-mtime" show="3" feeds="no"]]\n' >"$S/recent.mdwn"
	printf 'Dates: [[!inline pages="posts/*" archive="yes" feeds="no"]]\n' >"$S/dates.mdwn"
	printf '<p><a href="<TMPL_VAR PAGEURL>"><TMPL_VAR TITLE></a> <TMPL_VAR CTIME> <TMPL_VAR MTIME></p>\n' \
		>"$S/templates/archivepage.tmpl"
	printf '[[!calendar type="year" year="2024" pages="page(posts/*)"]]\n' >"$S/cal.mdwn"
	printf 'Foo, linked from many. [[!pagecount pages="posts/*"]] posts.\n' >"$S/foo.mdwn"
	cat >"$S/plugins/stamp.lua" <<'X'
weft.hook("pagetemplate", function(page, dest, vars, t)
	if t:uses("stamp") then vars.stamp = "v1" end
end)
X
	i=0
	while [ $i -lt 12 ]; do
		post $i "Post $i" "2024-0$((i % 9 + 1))-1$((i % 9)) 10:00" "t$((i % 3))"
		i=$((i + 1))
	done
}

edit() {	# one random edit; says what it did
	e=$(rnd 15)
	p=$(ls "$S/posts" | grep '\.mdwn$' | sed -n "$(( $(rnd 100) % $(ls "$S/posts" | grep -c '\.mdwn$') + 1 ))p")
	f=$S/posts/$p
	case $e in
	0) echo "more text $(rnd 1000)" >>"$f"; echo "edit body of $p" ;;
	1) sed -i "s/^\[\[!meta title=.*/[[!meta title=\"Retitled $(rnd 1000)\"]]/" "$f"; echo "retitle $p" ;;
	2) sed -i "s/^\[\[!meta date=.*/[[!meta date=\"2023-0$(( $(rnd 9) + 1 ))-2$(rnd 9) 08:00\"]]/" "$f"; echo "redate $p" ;;
	3) echo "[[!tag t$(rnd 5)]]" >>"$f"; echo "tag $p" ;;
	4) sed -i '/^\[\[!tag /d' "$f"; echo "untag $p" ;;
	5) k=$((100 + $(rnd 50))); post $k "New $k" "2025-01-0$(( $(rnd 9) + 1 )) 12:00" "t$(rnd 4)"; echo "add p$k" ;;
	6) rm -f "$f"; rm -rf "$S/posts/${p%.mdwn}"; echo "delete $p" ;;
	7) k=$((200 + $(rnd 50))); mv "$f" "$S/posts/p$k.mdwn"; echo "rename $p to p$k" ;;
	8) d=$S/posts/${p%.mdwn}; mkdir -p "$d"; c=$(rnd 100000)
	   printf '[[!comment format=mdwn\n username="u%s"\n subject="Re %s"\n date="2024-06-0%sT10:00:00Z"\n content="""\nA comment %s.\n"""]]\n' \
		"$c" "$c" "$(( $(rnd 9) + 1 ))" "$c" >"$d/comment_${c}_$(printf %s "$c" | md5sum | cut -c1-32)._comment"
	   echo "comment on $p" ;;
	9) if [ -f "$S/templates/inlinepage.tmpl" ]; then rm "$S/templates/inlinepage.tmpl"; echo "template override removed"
	   else printf '<div class="item"><TMPL_VAR TITLE> <TMPL_VAR STAMP></div>\n' >"$S/templates/inlinepage.tmpl"; echo "template override added"; fi ;;
	10) sed -i "s/\"v[0-9]*\"/\"v$(rnd 100)\"/" "$S/plugins/stamp.lua"; echo "plugin changed" ;;
	11) sed -i "s/^wikiname: .*/wikiname: Blog $(rnd 100)/" "$S/weft.yaml"; echo "config changed" ;;
	12) mkdir -p "$S/posts/p1"; echo "A subpage that now catches links to foo from p1." >"$S/posts/p1/foo.mdwn"; echo "retarget foo from p1" ;;
	13) rm -f "$S/posts/p1/foo.mdwn" "$S/foo.mdwn"; echo "foo removed" ;;
	14) touch -d "2023-0$(( $(rnd 9) + 1 ))-1$(rnd 9) 0$(rnd 9):00" "$f"; echo "touch $p" ;;
	esac
}

copied=0 same=0
for seed in $seeds; do
	awk -v s="$seed" 'BEGIN { srand(s); for (i = 0; i < 100000; i++) print int(rand() * 1000003) }' >"$T/rand"
	S=$T/site
	make_site
	run "$WEFT" build -q "$S"
	[ "$status" -eq 0 ]
	ok $? "seed $seed: the first build succeeds"
	step=0 bad=0
	while [ $step -lt $steps ]; do
		what=$(edit)
		run "$WEFT" build -vv "$S"
		inc=$status
		# Records of pages the step did not reach are saved as they
		# were (builds with the sanitizers check each against its
		# fields).
		grep -q 'state: [1-9][0-9]* of [0-9]* page records saved as they were' "$T/err" &&
			copied=$((copied + 1))
		# So are the hits of a dependency that found again what it
		# found (checked against its map there too).
		grep -q '; [1-9][0-9]* dependencies found again what they found' "$T/err" &&
			same=$((same + 1))
		full_build
		full=$?
		if [ $inc -ne $full ] || ! diff -r "$S/public" "$T/full/public" >"$T/diff" 2>&1; then
			bad=$((bad + 1))
			echo "# seed $seed step $step ($what): incremental exit $inc, full exit $full"
			head -20 "$T/diff" | sed 's/^/#   /'
			break
		fi
		step=$((step + 1))
	done
	[ $bad -eq 0 ]
	ok $? "seed $seed: $step steps, incremental output equals a full rebuild after each"
done
[ $copied -gt 0 ]
ok $? "unchanged pages' records were saved as they were ($copied steps)"
[ $same -gt 0 ]
ok $? "hits found again were saved as they were ($same steps)"

# The state survives a build killed halfway: the next build is still right.
S=$T/site
"$WEFT" build -q "$S" >/dev/null 2>&1
echo "killed edit" >>"$S/posts/p2.mdwn"
"$WEFT" build -q "$S" >/dev/null 2>&1 &
pid=$!
sleep 0.05
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
run "$WEFT" build -q "$S"
same_as_full
ok $? "after a build killed halfway, the next one equals a full rebuild"

# Outputs deleted by hand come back with the next build that finds a
# change: files in a directory of several outputs (the top), a page's own
# directory (usedirs), a directory of pages.
ls "$S/public/posts/p1/index.html" >/dev/null && ls -d "$S/public/tags"/*/ >/dev/null
ok $? "the site has the directories deleted below"
rm -rf "$S/public/index.html" "$S/public/style.css" "$S/public/posts/p1"
rm -rf "$(ls -d "$S/public/tags"/*/ | head -n 1)"
echo "after deletion" >>"$S/posts/p2.mdwn"
run "$WEFT" build -q "$S"
same_as_full
ok $? "outputs deleted by hand are written again"
rm -rf "$S/public/posts"
echo "after deleting posts" >>"$S/posts/p2.mdwn"
run "$WEFT" build -q "$S"
same_as_full
ok $? "so is a directory of pages"
rm -rf "$S/public"
run "$WEFT" build -q "$S"
diff -r "$S/public" "$T/full/public" >/dev/null
ok $? "so is a whole output directory"

# A restored old file (an older mtime and the old bytes) is noticed.
printf 'Old words.\n' >"$S/posts/restore.mdwn"
touch -d '2020-01-01' "$S/posts/restore.mdwn"
cp -p "$S/posts/restore.mdwn" "$T/restore.keep"
"$WEFT" build -q "$S" >/dev/null 2>&1
echo "new text" >>"$S/posts/restore.mdwn"
"$WEFT" build -q "$S" >/dev/null 2>&1
check_grep 'new text' "$S/public/posts/restore/index.html" "an edit shows"
cp -p "$T/restore.keep" "$S/posts/restore.mdwn"
run "$WEFT" build -q "$S"
check_no_grep 'new text' "$S/public/posts/restore/index.html" "a file restored to old bytes with an old mtime is rebuilt"

# A stylesheet edited rewrites the stylesheet only: the pages plugins make
# without a date (shortcuts) are as new as the newest page, not file. (Real
# dates: SOURCE_DATE_EPOCH would clamp them all to one.)
printf 'body { }\n' >"$S/local.css"
SOURCE_DATE_EPOCH= "$WEFT" build -q "$S" >/dev/null 2>&1
touch "$T/mark"
printf 'body { color: red; }\n' >"$S/local.css"
touch -d '+2 days' "$S/local.css"
SOURCE_DATE_EPOCH= "$WEFT" build -q "$S" >/dev/null 2>&1
[ "$(cd "$S/public" && find . -type f -newer "$T/mark" | sort)" = "./local.css" ]
ok $? "a stylesheet edited two days ahead rewrites only itself ($(cd "$S/public" && find . -type f -newer "$T/mark" | tr '\n' ' '))"

# The state is a head and files beside it named by their bytes: a site of
# 600 pages keeps its records in two parts. An edit writes the head and
# the one part that changed; the files no head names go; a part missing
# (deleted by hand) makes the next build start again, and it is right.
S=$T/many
rm -rf "$S" && mkdir -p "$S/posts"
printf 'wikiname: Many\nurl: http://example.org/\nsrcdir: .\ndestdir: public\n' >"$S/weft.yaml"
i=0
while [ $i -lt 600 ]; do
	printf 'Page %d links to [[p%d]].\n' $i $(((i + 1) % 600)) >"$S/posts/p$i.mdwn"
	i=$((i + 1))
done
run "$WEFT" build -q "$S"
files() { ls "$S/.weft" | grep -c '^state-[0-9a-f]\{16\}$'; }
[ "$status" -eq 0 ] && [ "$(files)" -eq 3 ]
ok $? "600 pages: the head names the dependencies' file and two parts ($(files) files)"
echo "An edit." >>"$S/posts/p300.mdwn"
run "$WEFT" build -vv "$S"
grep -q 'state: 1 of 3 files beside the head written' "$T/err" && [ "$(files)" -eq 3 ]
ok $? "an edit writes one part again and the replaced one goes ($(grep 'files beside' "$T/err"))"
rm -f "$S/.weft/$(ls "$S/.weft" | grep '^state-' | head -n 1)"
echo "Another edit." >>"$S/posts/p1.mdwn"
run "$WEFT" build "$S"
[ "$status" -eq 0 ] && grep -q 'build state is damaged' "$T/err" && same_as_full
ok $? "a file of the state missing: everything is built again, right"

done_testing
