/**
 * The provider inbox: a header with the signed-in staff member and Sign out, then the list or one
 * referral (addresses /inbox/?status=… and /inbox/referrals/<id>, so Back and bookmarks work). A 401
 * from the hub shows "Your sign-in has expired — Sign in again", which comes back to the same page.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ProviderAction } from '../../domain/outcome.js';
import { ApiProblem, type InboxApi, type InboxDetail, type InboxList, SignInNeeded } from '../api.js';
import { pathOf, type Route, routeOf } from './format.js';
import { ReferralDetail } from './ReferralDetail.js';
import { ReferralList } from './ReferralList.js';

export interface InboxAppProps {
  api: InboxApi;
  /** The signed-in staff member's name, when known. */
  staffName?: string | undefined;
  /** Whether there is a sign-in at all (false: the first visit). */
  signedIn: boolean;
  /** A sign-in problem from the return from the sign-in service. */
  signInProblem?: string | undefined;
  signIn: () => void;
  signOut: () => void;
}

type Data =
  | { kind: 'loading' }
  | { kind: 'list'; list: InboxList }
  | { kind: 'detail'; detail: InboxDetail }
  | { kind: 'problem'; problems: string[] };

const ACTION_DONE: Record<ProviderAction['action'], string> = {
  accept: 'You accepted the referral. The GP can see this.',
  decline: 'You declined the referral. The GP can see this and your reason.',
  contacted: 'Marked as contacted.',
  scheduled: 'Marked as booked.',
  'did-not-attend': 'Marked as did not attend.',
  complete: 'You completed the referral. The GP can see the outcome.',
};

function Header({ staffName, signedIn, signOut }: Pick<InboxAppProps, 'staffName' | 'signedIn' | 'signOut'>) {
  return (
    <header className="ib-header ib-no-print">
      <span className="ib-header__title">Work and health referrals</span>
      {signedIn && (
        <span className="ib-header__user">
          {staffName && <span className="ib-header__name">{staffName}</span>}
          <button type="button" className="ib-link-button" onClick={signOut}>
            Sign out
          </button>
        </span>
      )}
    </header>
  );
}

export function InboxApp(props: InboxAppProps) {
  const { api } = props;
  const [route, setRoute] = useState<Route>(() => routeOf(location.pathname, location.search));
  const [data, setData] = useState<Data>({ kind: 'loading' });
  const [expired, setExpired] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const focusHeading = useRef(false);

  const navigate = useCallback((next: Route) => {
    history.pushState(null, '', pathOf(next));
    focusHeading.current = true;
    setNotice(undefined);
    setRoute(next);
  }, []);

  useEffect(() => {
    const onPop = () => setRoute(routeOf(location.pathname, location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const failed = useCallback((error: unknown) => {
    if (error instanceof SignInNeeded) setExpired(error.message);
    else if (error instanceof ApiProblem) setData({ kind: 'problem', problems: error.problems });
    else
      setData({
        kind: 'problem',
        problems: ['Something went wrong showing this page. Reload the page to try again.'],
      });
  }, []);

  useEffect(() => {
    if (!props.signedIn) return;
    let live = true;
    setData({ kind: 'loading' });
    const load =
      route.page === 'list'
        ? api.list(route.filter).then((list): Data => ({ kind: 'list', list }))
        : api.detail(route.id).then((detail): Data => ({ kind: 'detail', detail }));
    load.then((d) => live && setData(d)).catch((e) => live && failed(e));
    return () => {
      live = false;
    };
  }, [api, route, props.signedIn, failed]);

  useEffect(() => {
    document.title =
      data.kind === 'detail'
        ? `${data.detail.referral.patient.displayName} – Work and health referrals`
        : 'Work and health referrals';
    if (focusHeading.current && (data.kind === 'list' || data.kind === 'detail')) {
      focusHeading.current = false;
      document.getElementById('main-heading')?.focus();
    }
  }, [data]);

  const onAct = useCallback(
    async (action: ProviderAction) => {
      if (route.page !== 'detail') return;
      try {
        const detail = await api.act(route.id, action);
        setData({ kind: 'detail', detail });
        setNotice(ACTION_DONE[action.action]);
      } catch (error) {
        if (error instanceof SignInNeeded) setExpired(error.message);
        throw error;
      }
    },
    [api, route],
  );

  let body: React.ReactNode;
  if (!props.signedIn || expired !== undefined) {
    const title = !props.signedIn ? 'Sign in to see your referrals' : 'Your sign-in has expired';
    body = (
      <>
        <h1 className="nhsuk-heading-m">{title}</h1>
        {props.signInProblem && (
          <div className="nhsuk-error-summary" role="alert" aria-labelledby="sign-in-problem">
            <h2 className="nhsuk-error-summary__title" id="sign-in-problem">
              You are not signed in
            </h2>
            <div className="nhsuk-error-summary__body">
              <p>{props.signInProblem}</p>
            </div>
          </div>
        )}
        <p>
          {!props.signedIn
            ? 'Use your work account. You will come back to this page after signing in.'
            : 'For your patients’ privacy, sign-ins end after a while. Sign in again to carry on: you will come back to this page, and nothing you had saved is lost.'}
        </p>
        <button type="button" className="nhsuk-button ib-button" onClick={props.signIn}>
          {!props.signedIn ? 'Sign in' : 'Sign in again'}
        </button>
      </>
    );
  } else if (data.kind === 'loading') {
    body = <p role="status">Loading…</p>;
  } else if (data.kind === 'problem') {
    body = (
      <>
        <h1 className="nhsuk-heading-m">This page cannot be shown</h1>
        {data.problems.map((p) => (
          <p key={p}>{p}</p>
        ))}
        <p>
          <a href="/inbox/">Go to your referrals</a>
        </p>
      </>
    );
  } else if (data.kind === 'list') {
    body = <ReferralList list={data.list} navigate={navigate} />;
  } else {
    body = <ReferralDetail detail={data.detail} navigate={navigate} onAct={onAct} notice={notice} />;
  }

  return (
    <>
      <Header
        staffName={props.staffName}
        signedIn={props.signedIn && expired === undefined}
        signOut={props.signOut}
      />
      <main className="ib-main" id="main">
        {body}
      </main>
    </>
  );
}
