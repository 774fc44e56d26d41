// One definition of attendance, used by every screen that shows a count: the volunteer's
// event card and check-in screen, and the coordinator's table and event detail. It agrees
// with the server's reports, where every live check-in is one participant.
//
// - registered: registrations still standing, plus cancelled ones whose person came anyway;
// - present: those of them who are checked in;
// - withoutRegistration: every other check-in (walk-ins, and people whose registration is gone);
// - participants: present + withoutRegistration, the figure funders get.

export function attendance(registrations, checkins) {
  const byPerson = new Map(checkins.filter((c) => c.person_id).map((c) => [c.person_id, c]));
  const expected = registrations.filter((r) => r.status === 'registered' || byPerson.has(r.person_id));
  const registeredIds = new Set(expected.map((r) => r.person_id));
  const present = expected.filter((r) => byPerson.has(r.person_id)).length;
  const withoutRegistration = checkins.filter((c) => !c.person_id || !registeredIds.has(c.person_id)).length;
  return {
    expected,
    byPerson,
    walkIns: checkins.filter((c) => c.walk_in).sort((a, b) => a.checked_in_at.localeCompare(b.checked_in_at)),
    counts: { registered: expected.length, present, walkIns: withoutRegistration, participants: present + withoutRegistration },
  };
}
