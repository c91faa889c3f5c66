import { Component, type ErrorInfo, type ReactNode } from 'react';
import { i18n } from '../i18n/index.js';

interface State {
  readonly error: Error | null;
}

/** Catches render errors of one screen, shows them and offers a retry, so the rest of the app keeps working. */
export class ErrorBoundary extends Component<{ children: ReactNode; name: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`screen ${this.props.name} failed:`, error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="panel stack" role="alert">
        <h2>
          {this.props.name}: {i18n.t('app.displayError')}
        </h2>
        <p className="mono">{this.state.error.message}</p>
        <div>
          <button className="btn primary" onClick={() => this.setState({ error: null })}>
            {i18n.t('app.retry')}
          </button>
        </div>
      </div>
    );
  }
}
