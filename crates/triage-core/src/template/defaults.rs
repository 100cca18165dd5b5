//! The default templates of every channel. They show what fires, where, since when, how
//! many, how bad, the instructions that match, the links and what was suppressed and why.

/// E-mail subject.
pub const EMAIL_SUBJECT: &str = "{{ title }}";

/// Plain-text e-mail body.
pub const EMAIL_TEXT: &str = r#"{{ title }}
{% if severity %}Severity: {{ severity }}
{% endif %}{% if category %}Category: {{ category }}
{% endif %}{% if sites %}Sites: {{ sites|join(", ") }}
{% endif %}{% if services %}Services: {{ services|join(", ") }}
{% endif %}Since: {{ since }}
{% if firing %}
Firing ({{ firing|length }}):
{% for a in firing[:50] %}- {{ a.alertname }}{% if a.location %} at {{ a.location }}{% endif %}: {{ a.summary }} (for {{ a.duration }}, {{ a.severity or "no severity" }})
{% endfor %}{% if firing|length > 50 %}  ... and {{ firing|length - 50 }} more
{% endif %}{% endif %}{% if resolved %}
Resolved ({{ resolved|length }}):
{% for a in resolved[:50] %}- {{ a.alertname }}{% if a.location %} at {{ a.location }}{% endif %}: {{ a.summary }} (lasted {{ a.duration }})
{% endfor %}{% if resolved|length > 50 %}  ... and {{ resolved|length - 50 }} more
{% endif %}{% endif %}{% if instructions %}
What to do:
{% for i in instructions %}* {{ i.name }}{% if i.alerts > 1 %} ({{ i.alerts }} alerts){% endif %}:
{{ i.text|indent(2, true) }}
{% endfor %}{% endif %}{% if links %}
Links:
{% for l in links[:20] %}- {{ l.title }}: {{ l.url }}
{% endfor %}{% endif %}{% if suppressed %}
Not sent ({{ suppressed|length }}):
{% for s in suppressed[:20] %}- {{ s.alertname }}{% if s.location %} at {{ s.location }}{% endif %}: {{ s.reason }}
{% endfor %}{% if suppressed|length > 20 %}  ... and {{ suppressed|length - 20 }} more
{% endif %}{% endif %}
-- 
triage {{ external_url }}
"#;

/// HTML e-mail body (auto-escaped).
pub const EMAIL_HTML: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body style="font-family: sans-serif; font-size: 14px; color: #222;">
<h2 style="color: {% if status == "firing" %}{% if severity == "critical" %}#b00020{% else %}#c77700{% endif %}{% else %}#2e7d32{% endif %};">{{ title }}</h2>
<table style="border-collapse: collapse;">
{% if severity %}<tr><th align="left">Severity</th><td>{{ severity }}</td></tr>{% endif %}
{% if category %}<tr><th align="left">Category</th><td>{{ category }}</td></tr>{% endif %}
{% if sites %}<tr><th align="left">Sites</th><td>{{ sites|join(", ") }}</td></tr>{% endif %}
{% if services %}<tr><th align="left">Services</th><td>{{ services|join(", ") }}</td></tr>{% endif %}
<tr><th align="left">Since</th><td>{{ since }}</td></tr>
</table>
{% if instructions %}<h3>What to do</h3>
{% for i in instructions %}<div style="margin-bottom: 8px;"><b>{{ i.name }}</b>{% if i.alerts > 1 %} ({{ i.alerts }} alerts){% endif %}
<pre style="white-space: pre-wrap; background: #f5f5f5; padding: 6px;">{{ i.text }}</pre>
{% for l in i.links %}<a href="{{ l.url }}">{{ l.title }}</a> {% endfor %}</div>
{% endfor %}{% endif %}
{% for part in [("Firing", firing), ("Resolved", resolved)] %}{% if part[1] %}
<h3>{{ part[0] }} ({{ part[1]|length }})</h3>
<table style="border-collapse: collapse;" border="1" cellpadding="4">
<tr><th>Alert</th><th>Where</th><th>Summary</th><th>Severity</th><th>Since</th><th>For</th></tr>
{% for a in part[1][:100] %}<tr><td>{% if a.generator_url %}<a href="{{ a.generator_url }}">{{ a.alertname }}</a>{% else %}{{ a.alertname }}{% endif %}</td><td>{{ a.location }}</td><td>{{ a.summary }}</td><td>{{ a.severity }}</td><td>{{ a.starts_at }}</td><td>{{ a.duration }}</td></tr>
{% endfor %}</table>{% if part[1]|length > 100 %}<p>... and {{ part[1]|length - 100 }} more</p>{% endif %}
{% endif %}{% endfor %}
{% if links %}<h3>Links</h3><ul>{% for l in links[:20] %}<li><a href="{{ l.url }}">{{ l.title }}</a></li>{% endfor %}</ul>{% endif %}
{% if suppressed %}<h3>Not sent ({{ suppressed|length }})</h3><ul>
{% for s in suppressed[:20] %}<li>{{ s.alertname }}{% if s.location %} at {{ s.location }}{% endif %}: {{ s.reason }}</li>{% endfor %}
</ul>{% if suppressed|length > 20 %}<p>... and {{ suppressed|length - 20 }} more</p>{% endif %}{% endif %}
<p style="color: #777; font-size: 12px;">Sent by triage: <a href="{{ external_url }}">{{ external_url }}</a></p>
</body></html>
"#;

/// Slack attachment title.
pub const SLACK_TITLE: &str = "{{ title }}";

/// Slack title link.
pub const SLACK_TITLE_LINK: &str = "{{ external_url }}";

/// Slack colour: red for critical, orange for other firing, green when resolved.
pub const SLACK_COLOR: &str =
    r#"{% if status == "resolved" %}good{% elif severity == "critical" %}danger{% else %}warning{% endif %}"#;

/// Slack fallback text (notifications, clients without attachments).
pub const SLACK_FALLBACK: &str = "{{ title }}";

/// Slack and Mattermost sender name.
pub const CHAT_USERNAME: &str = "triage";

/// Slack message text (mrkdwn; `|mrkdwn` escapes `&`, `<` and `>`).
pub const SLACK_TEXT: &str = r#"{% for a in alerts[:30] %}{% if a.status == "firing" %}:red_circle:{% else %}:white_check_mark:{% endif %} *{{ a.alertname|mrkdwn }}*{% if a.location %} at {{ a.location|mrkdwn }}{% endif %}: {{ a.summary|mrkdwn }} ({% if a.status == "firing" %}for {{ a.duration }}{% else %}resolved after {{ a.duration }}{% endif %}{% if a.severity %}, {{ a.severity|mrkdwn }}{% endif %})
{% endfor %}{% if alerts|length > 30 %}_... and {{ alerts|length - 30 }} more_
{% endif %}{% if instructions %}
*What to do*
{% for i in instructions %}• *{{ i.name|mrkdwn }}*: {{ i.text|mrkdwn }}{% for l in i.links %} <{{ l.url }}|{{ l.title|mrkdwn }}>{% endfor %}
{% endfor %}{% endif %}{% if links %}
{% for l in links[:10] %}<{{ l.url }}|{{ l.title|mrkdwn }}>{% if not loop.last %} · {% endif %}{% endfor %}
{% endif %}{% if suppressed %}
_Not sent ({{ suppressed|length }}): {% for s in suppressed[:5] %}{{ s.alertname|mrkdwn }}{% if s.location %} at {{ s.location|mrkdwn }}{% endif %} ({{ s.reason|mrkdwn }}){% if not loop.last %}; {% endif %}{% endfor %}{% if suppressed|length > 5 %}; ...{% endif %}_
{% endif %}"#;

/// Mattermost message text (Markdown).
pub const MATTERMOST_TEXT: &str = r#"#### {% if status == "firing" %}:red_circle:{% else %}:white_check_mark:{% endif %} {{ title }}
{% if severity %}**Severity:** {{ severity }}  {% endif %}{% if category %}**Category:** {{ category }}  {% endif %}**Since:** {{ since }}

| Alert | Where | Summary | For |
|---|---|---|---|
{% for a in alerts[:50] %}| {% if a.generator_url %}[{{ a.alertname }}]({{ a.generator_url }}){% else %}{{ a.alertname }}{% endif %} | {{ a.location }} | {{ a.summary|replace("|", "\\|")|replace("\n", " ") }} | {{ a.duration }}{% if a.status == "resolved" %} (resolved){% endif %} |
{% endfor %}{% if alerts|length > 50 %}
_... and {{ alerts|length - 50 }} more_
{% endif %}{% if instructions %}
**What to do**
{% for i in instructions %}- **{{ i.name }}**: {{ i.text }}{% for l in i.links %} [{{ l.title }}]({{ l.url }}){% endfor %}
{% endfor %}{% endif %}{% if links %}
{% for l in links[:10] %}[{{ l.title }}]({{ l.url }}){% if not loop.last %} · {% endif %}{% endfor %}
{% endif %}{% if suppressed %}
_Not sent ({{ suppressed|length }}): {% for s in suppressed[:5] %}{{ s.alertname }}{% if s.location %} at {{ s.location }}{% endif %} ({{ s.reason }}){% if not loop.last %}; {% endif %}{% endfor %}{% if suppressed|length > 5 %}; ...{% endif %}_
{% endif %}"#;
